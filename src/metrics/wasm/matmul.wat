;; Image-class (and image-text) scores: out[i, j] = sum_k a[i, k] * b[j, k], the kernel behind matmulTransposed in
;; ../vector.ts, in WebAssembly SIMD. The JS loop adds each output's products one after the other, k = 0 .. d - 1,
;; in float64 from 0, and rounds the sum to float32 once. This kernel does exactly that for eight outputs at a time
;; (four f64x2 accumulators: eight columns j of one row i), so every output's chain of adds is the JS chain and every
;; figure is the JS path's, bit for bit. The product of two float32 values is exact in float64, so mul then add (no
;; fused multiply-add) is the JS arithmetic. Only independent outputs share a vector; no sum is reordered.
;;
;; Layout (byte offsets into the exported memory, every buffer 16-byte aligned, set up by matmul-kernel.ts):
;;   $a    rows x d float64: the chunk's rows of a, promoted from float32 (exactly) by the caller;
;;   $b    nb blocks of d x 8 float64: block jb holds columns jb*8 .. jb*8+7 of a group of b's rows, k-major
;;         (b[jb*8 + t, k] at (jb*d + k)*8 + t), zero past the group's last row;
;;   $out  rows x (nb*8) float32, row-major.
;; Compiled to matmul-wasm.ts by `node tools/wasm/build.mjs`.
(module
  (memory (export "memory") 1)

  ;; Two rows at a time share each load of b (eight accumulators); an odd last row runs alone.
  (func (export "scores") (param $a i32) (param $rows i32) (param $d i32) (param $b i32) (param $nb i32) (param $out i32)
    (local $jb i32) (local $i i32) (local $k i32) (local $bBlock i32) (local $p i32) (local $a0 i32) (local $a1 i32)
    (local $o i32) (local $rowBytes i32) (local $outStride i32) (local $x0 v128) (local $x1 v128)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 3)))
    (local.set $outStride (i32.shl (local.get $nb) (i32.const 5)))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.ge_u (local.get $jb) (local.get $nb)))
        (local.set $bBlock (i32.add (local.get $b) (i32.mul (local.get $jb) (i32.shl (local.get $d) (i32.const 6)))))
        (local.set $i (i32.const 0))
        ;; Pairs of rows.
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $rows)))
            (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))))
            (local.set $a1 (i32.add (local.get $a0) (local.get $rowBytes)))
            (local.set $s0 (v128.const i64x2 0 0)) (local.set $s1 (v128.const i64x2 0 0))
            (local.set $s2 (v128.const i64x2 0 0)) (local.set $s3 (v128.const i64x2 0 0))
            (local.set $t0 (v128.const i64x2 0 0)) (local.set $t1 (v128.const i64x2 0 0))
            (local.set $t2 (v128.const i64x2 0 0)) (local.set $t3 (v128.const i64x2 0 0))
            (local.set $p (local.get $bBlock))
            (local.set $k (i32.const 0))
            (block $kDone
              (loop $ks
                (br_if $kDone (i32.ge_u (local.get $k) (local.get $d)))
                (local.set $x0 (v128.load64_splat (local.get $a0)))
                (local.set $x1 (v128.load64_splat (local.get $a1)))
                (local.set $v0 (v128.load (local.get $p)))
                (local.set $v1 (v128.load offset=16 (local.get $p)))
                (local.set $v2 (v128.load offset=32 (local.get $p)))
                (local.set $v3 (v128.load offset=48 (local.get $p)))
                (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $x0) (local.get $v0))))
                (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $x0) (local.get $v1))))
                (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (local.get $x0) (local.get $v2))))
                (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (local.get $x0) (local.get $v3))))
                (local.set $t0 (f64x2.add (local.get $t0) (f64x2.mul (local.get $x1) (local.get $v0))))
                (local.set $t1 (f64x2.add (local.get $t1) (f64x2.mul (local.get $x1) (local.get $v1))))
                (local.set $t2 (f64x2.add (local.get $t2) (f64x2.mul (local.get $x1) (local.get $v2))))
                (local.set $t3 (f64x2.add (local.get $t3) (f64x2.mul (local.get $x1) (local.get $v3))))
                (local.set $a0 (i32.add (local.get $a0) (i32.const 8)))
                (local.set $a1 (i32.add (local.get $a1) (i32.const 8)))
                (local.set $p (i32.add (local.get $p) (i32.const 64)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $ks)))
            (local.set $o (i32.add (local.get $out) (i32.add (i32.mul (local.get $i) (local.get $outStride)) (i32.shl (local.get $jb) (i32.const 5)))))
            (call $store8 (local.get $o) (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3))
            (call $store8 (i32.add (local.get $o) (local.get $outStride)) (local.get $t0) (local.get $t1) (local.get $t2) (local.get $t3))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $pairs)))
        ;; The last row when `rows` is odd.
        (if (i32.lt_u (local.get $i) (local.get $rows))
          (then
            (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))))
            (local.set $s0 (v128.const i64x2 0 0)) (local.set $s1 (v128.const i64x2 0 0))
            (local.set $s2 (v128.const i64x2 0 0)) (local.set $s3 (v128.const i64x2 0 0))
            (local.set $p (local.get $bBlock))
            (local.set $k (i32.const 0))
            (block $kDone1
              (loop $ks1
                (br_if $kDone1 (i32.ge_u (local.get $k) (local.get $d)))
                (local.set $x0 (v128.load64_splat (local.get $a0)))
                (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $x0) (v128.load (local.get $p)))))
                (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $x0) (v128.load offset=16 (local.get $p)))))
                (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (local.get $x0) (v128.load offset=32 (local.get $p)))))
                (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (local.get $x0) (v128.load offset=48 (local.get $p)))))
                (local.set $a0 (i32.add (local.get $a0) (i32.const 8)))
                (local.set $p (i32.add (local.get $p) (i32.const 64)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $ks1)))
            (local.set $o (i32.add (local.get $out) (i32.add (i32.mul (local.get $i) (local.get $outStride)) (i32.shl (local.get $jb) (i32.const 5)))))
            (call $store8 (local.get $o) (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3))))
        (local.set $jb (i32.add (local.get $jb) (i32.const 1)))
        (br $blocks))))

  ;; Eight float64 sums (four pairs) rounded to float32 (round to nearest, ties to even: JS's Float32Array store)
  ;; and stored as eight consecutive floats at $o.
  (func $store8 (param $o i32) (param $s0 v128) (param $s1 v128) (param $s2 v128) (param $s3 v128)
    (v128.store (local.get $o)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (local.get $s0)) (f32x4.demote_f64x2_zero (local.get $s1))))
    (v128.store offset=16 (local.get $o)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (local.get $s2)) (f32x4.demote_f64x2_zero (local.get $s3))))))
