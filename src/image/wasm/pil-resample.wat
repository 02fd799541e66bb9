;; Pillow's fixed-point resampling passes (libImaging/Resample.c, 8 bits per channel, PRECISION_BITS = 22) with
;; WebAssembly SIMD: four (or eight) int32 lanes per instruction instead of one. The arithmetic is Pillow's exactly:
;; ss = 1 << 21 + sum(pixel * k) in int32, then clip8(ss >> 22). Compiled to pil-resample-wasm.ts by
;; `node tools/wasm/build.mjs`; the JS passes in pil-resample.ts are the same computation, one lane at a time.
;;
;; All pointers are byte offsets into the exported memory. Loads may read up to 7 bytes past the last pixel and stores
;; may write up to 7 bytes past the last output byte: the caller leaves that much slack after each buffer.
(module
  (memory (export "memory") 1)

  ;; Horizontal pass over interleaved RGB rows: for each of `rows` rows (stride `srcStride` bytes from `src`) and each
  ;; output column c < cols: taps counts[c] starting at byte starts[c] of the row, coefficients at ks + 4 * c * ksize.
  ;; Output rows are cols * 3 bytes, packed from `out`.
  (func (export "horizontal3")
    (param $src i32) (param $srcStride i32) (param $rows i32) (param $out i32) (param $cols i32)
    (param $starts i32) (param $counts i32) (param $ks i32) (param $ksize i32)
    (local $y i32) (local $c i32) (local $row i32) (local $s i32) (local $kp i32) (local $ke i32)
    (local $acc v128) (local $v v128)
    (local.set $y (i32.const 0))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $rows)))
        (local.set $row (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $srcStride))))
        (local.set $c (i32.const 0))
        (block $colsDone
          (loop $colLoop
            (br_if $colsDone (i32.ge_u (local.get $c) (local.get $cols)))
            (local.set $s (i32.add (local.get $row)
              (i32.load (i32.add (local.get $starts) (i32.shl (local.get $c) (i32.const 2))))))
            (local.set $kp (i32.add (local.get $ks)
              (i32.shl (i32.mul (local.get $c) (local.get $ksize)) (i32.const 2))))
            (local.set $ke (i32.add (local.get $kp)
              (i32.shl (i32.load (i32.add (local.get $counts) (i32.shl (local.get $c) (i32.const 2)))) (i32.const 2))))
            (local.set $acc (v128.const i32x4 2097152 2097152 2097152 2097152))
            (block $tapsDone
              (loop $tapLoop
                (br_if $tapsDone (i32.ge_u (local.get $kp) (local.get $ke)))
                (local.set $acc (i32x4.add (local.get $acc)
                  (i32x4.mul
                    (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero align=1 (local.get $s))))
                    (i32x4.splat (i32.load (local.get $kp))))))
                (local.set $s (i32.add (local.get $s) (i32.const 3)))
                (local.set $kp (i32.add (local.get $kp) (i32.const 4)))
                (br $tapLoop)))
            (local.set $v (i32x4.min_s (i32x4.max_s (i32x4.shr_s (local.get $acc) (i32.const 22)) (v128.const i32x4 0 0 0 0))
              (v128.const i32x4 255 255 255 255)))
            (local.set $v (i16x8.narrow_i32x4_s (local.get $v) (local.get $v)))
            (v128.store32_lane align=1 0 (local.get $out) (i8x16.narrow_i16x8_u (local.get $v) (local.get $v)))
            (local.set $out (i32.add (local.get $out) (i32.const 3)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $colLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rowLoop))))

  ;; Vertical pass on rows of `stride` bytes (any channel count: every byte is its own lane): output row r (packed
  ;; from `out`) sums counts[r] source rows starting at byte rowStarts[r] from `src`, coefficients at
  ;; ks + 4 * r * ksize. Eight bytes per step.
  (func (export "vertical")
    (param $src i32) (param $stride i32) (param $outRows i32) (param $out i32)
    (param $rowStarts i32) (param $counts i32) (param $ks i32) (param $ksize i32)
    (local $r i32) (local $i i32) (local $base i32) (local $s i32) (local $kp i32) (local $ke i32) (local $kbeg i32)
    (local $ob i32) (local $lo v128) (local $hi v128) (local $px v128) (local $k v128)
    (local.set $r (i32.const 0))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $outRows)))
        (local.set $base (i32.add (local.get $src)
          (i32.load (i32.add (local.get $rowStarts) (i32.shl (local.get $r) (i32.const 2))))))
        (local.set $kbeg (i32.add (local.get $ks) (i32.shl (i32.mul (local.get $r) (local.get $ksize)) (i32.const 2))))
        (local.set $ke (i32.add (local.get $kbeg)
          (i32.shl (i32.load (i32.add (local.get $counts) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2))))
        (local.set $ob (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $stride))))
        (local.set $i (i32.const 0))
        (block $bytesDone
          (loop $byteLoop
            (br_if $bytesDone (i32.ge_u (local.get $i) (local.get $stride)))
            (local.set $lo (v128.const i32x4 2097152 2097152 2097152 2097152))
            (local.set $hi (v128.const i32x4 2097152 2097152 2097152 2097152))
            (local.set $s (i32.add (local.get $base) (local.get $i)))
            (local.set $kp (local.get $kbeg))
            (block $tapsDone
              (loop $tapLoop
                (br_if $tapsDone (i32.ge_u (local.get $kp) (local.get $ke)))
                (local.set $px (i16x8.extend_low_i8x16_u (v128.load64_zero align=1 (local.get $s))))
                (local.set $k (i32x4.splat (i32.load (local.get $kp))))
                (local.set $lo (i32x4.add (local.get $lo) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $px)) (local.get $k))))
                (local.set $hi (i32x4.add (local.get $hi) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $px)) (local.get $k))))
                (local.set $s (i32.add (local.get $s) (local.get $stride)))
                (local.set $kp (i32.add (local.get $kp) (i32.const 4)))
                (br $tapLoop)))
            (local.set $lo (i32x4.min_s (i32x4.max_s (i32x4.shr_s (local.get $lo) (i32.const 22)) (v128.const i32x4 0 0 0 0))
              (v128.const i32x4 255 255 255 255)))
            (local.set $hi (i32x4.min_s (i32x4.max_s (i32x4.shr_s (local.get $hi) (i32.const 22)) (v128.const i32x4 0 0 0 0))
              (v128.const i32x4 255 255 255 255)))
            (local.set $px (i16x8.narrow_i32x4_s (local.get $lo) (local.get $hi)))
            (v128.store64_lane align=1 0 (i32.add (local.get $ob) (local.get $i))
              (i8x16.narrow_i16x8_u (local.get $px) (local.get $px)))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $byteLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))
)
