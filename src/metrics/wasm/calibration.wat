;; The calibration row kernel of `holoclip score ece|nll|brier` (calibrationRowTerms in ../calibration.ts) and the
;; temperature fit's per-row derivatives (betaDerivatives), in WebAssembly SIMD, with an exp that is bit for bit
;; V8's Math.exp: a port, written for this module, of fdlibm's __ieee754_exp (Sun Microsystems 1993; V8 carries it as
;; `exp` in src/base/ieee754.cc, the function Math.exp calls in node 20). fdlibm's exp uses only IEEE double +, -, *,
;; / and bit manipulation, so the same operations in the same order in f64 lanes round the same way; its branches
;; (|x| <= ln2/2 unreduced, < 2^-28, the overflow / underflow thresholds, 2^k out of the normal range, x = 1) become
;; lane selects, and its k = 0 formula 1 - ((x*c)/(c-2) - x) is the reduced formula 1 - ((lo - (x*c)/(2-c)) - hi)
;; with hi = x, lo = 0 (the two quotients are exact negatives, and 0 - q = -q for q != 0), so one formula serves.
;;
;; The sums keep the JS order: every per-row sum is a scalar f64 chain over j = 0 .. cols - 1 (a SIMD sum would
;; round differently); only values that do not depend on each other are computed two (or four) at a time.
;; Compiled to calibration-wasm.ts by `node tools/wasm/build.mjs`. Pointers are byte offsets into the exported
;; memory; a pair loop may read and write 8 bytes (two floats, one double) past a row or a scratch array: the caller
;; leaves 16 bytes of slack after each buffer.
(module
  (memory (export "memory") 1)
  ;; expInPlace's second sum (when asked for).
  (global $dot (mut f64) (f64.const 0))

  ;; a[j] = exp(a[j]) for j < n (doubles at `a`), fdlibm's __ieee754_exp two lanes at a time; returns the sum of
  ;; the results added in order j = 0 .. n - 1 from 0 (JS's `sum += e`). n odd: the pair after the last value is
  ;; computed and not summed. The constants live in locals (a v128.const in the loop would be rebuilt every pass).
  ;; With `withDot`, also the sum in the same order of e_j * v_j for the c float32 values v at `row` (betaRows' mean:
  ;; a second chain of adds that overlaps the exp work), left in the global $dot.
  (func $expInPlace (export "expInPlace") (param $a i32) (param $n i32) (param $row i32) (param $withDot i32) (result f64)
    (local $end i32) (local $sum f64) (local $dotSum f64) (local $d v128)
    (local $x v128) (local $ax v128) (local $t v128) (local $hi v128) (local $lo v128) (local $r v128) (local $tt v128)
    (local $c v128) (local $kb v128) (local $k v128) (local $small v128) (local $big v128) (local $under v128) (local $y v128)
    (local $invln2 v128) (local $half v128) (local $signBit v128) (local $reduceAbove v128) (local $ln2HI v128)
    (local $ln2LO v128) (local $P1 v128) (local $P2 v128) (local $P3 v128) (local $P4 v128) (local $P5 v128)
    (local $one v128) (local $two v128) (local $magic v128) (local $bias v128) (local $plain v128) (local $tiny v128)
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (f64.const 0))))
    (local.set $invln2 (v128.const f64x2 1.44269504088896338700e+00 1.44269504088896338700e+00))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $signBit (v128.const i64x2 0x8000000000000000 0x8000000000000000))
    (local.set $reduceAbove (v128.const i64x2 0x3FD62E42FFFFFFFF 0x3FD62E42FFFFFFFF))
    (local.set $ln2HI (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))
    (local.set $ln2LO (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))
    (local.set $P1 (v128.const f64x2 1.66666666666666019037e-01 1.66666666666666019037e-01))
    (local.set $P2 (v128.const f64x2 -2.77777777770155933842e-03 -2.77777777770155933842e-03))
    (local.set $P3 (v128.const f64x2 6.61375632143793436117e-05 6.61375632143793436117e-05))
    (local.set $P4 (v128.const f64x2 -1.65339022054652515390e-06 -1.65339022054652515390e-06))
    (local.set $P5 (v128.const f64x2 4.13813679705723846039e-08 4.13813679705723846039e-08))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $two (v128.const f64x2 2 2))
    ;; t + 1.5 * 2^52 holds the integer t in its low bits (two's complement), for |t| < 2^51.
    (local.set $magic (v128.const f64x2 6755399441055744 6755399441055744))
    (local.set $bias (v128.const i64x2 1023 1023))
    ;; |x| < 700 (no overflow, underflow or k out of [-1021, 1023]; not NaN).
    (local.set $plain (v128.const f64x2 700 700))
    ;; fdlibm's |x|'s high word < 0x3E300000 is |x| < 2^-28 (0x3E30000000000000 is 2^-28 exactly).
    (local.set $tiny (v128.const f64x2 0x1p-28 0x1p-28))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 3))))
    (loop $pairs
      (local.set $x (v128.load (local.get $a)))
      (local.set $ax (v128.andnot (local.get $x) (local.get $signBit)))
      ;; k = (int)(invln2 * x + (x < 0 ? -0.5 : 0.5)) when |x|'s high word > 0x3FD62E42 (|x| > ln2/2), else 0;
      ;; t = k as a double (truncation: |invln2 * x +- 0.5| >= 1 there, so no -0). Within 1.5 ln2 fdlibm sets
      ;; k = +-1, hi = x -+ ln2HI, lo = +-ln2LO directly: the values this gives.
      (local.set $t (v128.and
        (f64x2.trunc (f64x2.add (f64x2.mul (local.get $invln2) (local.get $x))
          (v128.or (local.get $half) (v128.and (local.get $x) (local.get $signBit)))))
        (i64x2.gt_s (local.get $ax) (local.get $reduceAbove))))
      ;; hi = x - t * ln2HI (exact), lo = t * ln2LO; t = 0 leaves hi = x, lo = 0.
      (local.set $hi (f64x2.sub (local.get $x) (f64x2.mul (local.get $t) (local.get $ln2HI))))
      (local.set $lo (f64x2.mul (local.get $t) (local.get $ln2LO)))
      (local.set $r (f64x2.sub (local.get $hi) (local.get $lo)))
      (local.set $tt (f64x2.mul (local.get $r) (local.get $r)))
      ;; c = r - t*(P1 + t*(P2 + t*(P3 + t*(P4 + t*P5))))
      (local.set $c (f64x2.mul (local.get $tt) (local.get $P5)))
      (local.set $c (f64x2.mul (local.get $tt) (f64x2.add (local.get $P4) (local.get $c))))
      (local.set $c (f64x2.mul (local.get $tt) (f64x2.add (local.get $P3) (local.get $c))))
      (local.set $c (f64x2.mul (local.get $tt) (f64x2.add (local.get $P2) (local.get $c))))
      (local.set $c (f64x2.mul (local.get $tt) (f64x2.add (local.get $P1) (local.get $c))))
      (local.set $c (f64x2.sub (local.get $r) (local.get $c)))
      ;; y = 1 - ((lo - (r*c)/(2 - c)) - hi)
      (local.set $y (f64x2.sub (local.get $one)
        (f64x2.sub
          (f64x2.sub (local.get $lo)
            (f64x2.div (f64x2.mul (local.get $r) (local.get $c)) (f64x2.sub (local.get $two) (local.get $c))))
          (local.get $hi))))
      (local.set $kb (f64x2.add (local.get $t) (local.get $magic)))
      (if (i32x4.all_true (v128.and
            (v128.and (f64x2.lt (local.get $ax) (local.get $plain)) (f64x2.ge (local.get $ax) (local.get $tiny)))
            (f64x2.ne (local.get $x) (local.get $one))))
        (then
          ;; y * 2^k: the exponent field k + 1023 (the shift drops the magic number's bits).
          (local.set $y (f64x2.mul (local.get $y)
            (i64x2.shl (i64x2.add (local.get $kb) (local.get $bias)) (i32.const 52)))))
        (else
          ;; As fdlibm: y * 2^k, or (y * 2) * 2^1023 for k = 1024, or (y * 2^(k+1000)) * 2^-1000 for k < -1021;
          ;; here (y * s1) * s2 with s2 = 1 in the first case (a product by 1 is exact). A lane whose result is +0
          ;; (x < -745.13..., set below) takes s1 = s2 = 1: its product would underflow, and a product that underflows
          ;; costs the CPU a microcode assist (about 30 times an ordinary one; such lanes abound at small T).
          (local.set $under (f64x2.lt (local.get $x) (v128.const f64x2 -7.45133219101941108420e+02 -7.45133219101941108420e+02)))
          (local.set $k (i64x2.sub (local.get $kb) (v128.const i64x2 0x4338000000000000 0x4338000000000000)))
          (local.set $small (v128.andnot (i64x2.lt_s (local.get $k) (v128.const i64x2 -1021 -1021)) (local.get $under)))
          (local.set $big (i64x2.eq (local.get $k) (v128.const i64x2 1024 1024)))
          (local.set $y (f64x2.mul
            (f64x2.mul (local.get $y)
              (i64x2.shl
                (i64x2.add
                  (v128.andnot
                    (v128.bitselect (i64x2.add (local.get $k) (v128.const i64x2 1000 1000))
                      (v128.bitselect (v128.const i64x2 1 1) (local.get $k) (local.get $big))
                      (local.get $small))
                    (local.get $under))
                  (local.get $bias))
                (i32.const 52)))
            (v128.bitselect (v128.const f64x2 9.33263618503218878990e-302 9.33263618503218878990e-302)
              (v128.bitselect (v128.const f64x2 8.988465674311579539e307 8.988465674311579539e307) (local.get $one)
                (local.get $big))
              (local.get $small))))
          ;; |x| < 2^-28: 1 + x.
          (local.set $y (v128.bitselect (f64x2.add (local.get $one) (local.get $x)) (local.get $y)
            (f64x2.lt (local.get $ax) (local.get $tiny))))
          ;; exp(1) = E (V8's special case).
          (local.set $y (v128.bitselect (v128.const f64x2 2.718281828459045 2.718281828459045) (local.get $y)
            (f64x2.eq (local.get $x) (local.get $one))))
          ;; x > 709.78...: +Inf (also x = +Inf); x < -745.13...: +0 (also -Inf); NaN: x + x.
          (local.set $y (v128.bitselect (v128.const f64x2 inf inf) (local.get $y)
            (f64x2.gt (local.get $x) (v128.const f64x2 7.09782712893383973096e+02 7.09782712893383973096e+02))))
          (local.set $y (v128.bitselect (v128.const f64x2 0 0) (local.get $y) (local.get $under)))
          (local.set $y (v128.bitselect (f64x2.add (local.get $x) (local.get $x)) (local.get $y)
            (f64x2.ne (local.get $x) (local.get $x))))))
      (v128.store (local.get $a) (local.get $y))
      (local.set $sum (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $y))))
      (if (i32.lt_u (i32.add (local.get $a) (i32.const 8)) (local.get $end))
        (then (local.set $sum (f64.add (local.get $sum) (f64x2.extract_lane 1 (local.get $y))))))
      (if (local.get $withDot)
        (then
          (local.set $d (f64x2.mul (local.get $y) (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $row)))))
          (local.set $dotSum (f64.add (local.get $dotSum) (f64x2.extract_lane 0 (local.get $d))))
          (if (i32.lt_u (i32.add (local.get $a) (i32.const 8)) (local.get $end))
            (then (local.set $dotSum (f64.add (local.get $dotSum) (f64x2.extract_lane 1 (local.get $d))))))
          (local.set $row (i32.add (local.get $row) (i32.const 8)))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (br_if $pairs (i32.lt_u (local.get $a) (local.get $end))))
    (global.set $dot (local.get $dotSum))
    (local.get $sum))

  ;; Index of the first maximum of row[0 .. c - 1] (float32 at `row`) -- first index on ties, as JS's `v > best`
  ;; scan -- or -1 when the row holds a NaN or an infinity.
  (func $firstArgmax (param $row i32) (param $c i32) (result i32)
    (local $j i32) (local $v v128) (local $laneMax v128) (local $laneIdx v128) (local $idx v128) (local $ok v128)
    (local $gt v128) (local $m v128) (local $best i32) (local $bestVal f32) (local $s f32)
    (local.set $laneMax (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $laneIdx (v128.const i32x4 0x7FFFFFFF 0x7FFFFFFF 0x7FFFFFFF 0x7FFFFFFF))
    (local.set $idx (v128.const i32x4 0 1 2 3))
    (local.set $ok (v128.const i32x4 -1 -1 -1 -1))
    (block $simdDone
      (loop $quads
        (br_if $simdDone (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $c)))
        (local.set $v (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $ok (v128.and (local.get $ok)
          (f32x4.lt (f32x4.abs (local.get $v)) (v128.const f32x4 inf inf inf inf))))
        (local.set $gt (f32x4.gt (local.get $v) (local.get $laneMax)))
        (local.set $laneMax (v128.bitselect (local.get $v) (local.get $laneMax) (local.get $gt)))
        (local.set $laneIdx (v128.bitselect (local.get $idx) (local.get $laneIdx) (local.get $gt)))
        (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 4 4 4 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $quads)))
    (if (i32.eqz (i32x4.all_true (local.get $ok))) (then (return (i32.const -1))))
    ;; The lanes' maximum, then the smallest index among the lanes holding it (each lane kept its first one).
    (local.set $m (f32x4.max (local.get $laneMax) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11
      (local.get $laneMax) (local.get $laneMax))))
    (local.set $m (f32x4.max (local.get $m) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
      (local.get $m) (local.get $m))))
    (local.set $v (v128.bitselect (local.get $laneIdx) (v128.const i32x4 0x7FFFFFFF 0x7FFFFFFF 0x7FFFFFFF 0x7FFFFFFF)
      (f32x4.eq (local.get $laneMax) (local.get $m))))
    (local.set $v (i32x4.min_s (local.get $v) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11
      (local.get $v) (local.get $v))))
    (local.set $v (i32x4.min_s (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
      (local.get $v) (local.get $v))))
    (local.set $best (i32x4.extract_lane 0 (local.get $v)))
    (local.set $bestVal (f32x4.extract_lane 0 (local.get $m)))
    ;; The last c mod 4 values, in order (strictly greater: a later equal value does not win).
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_s (local.get $j) (local.get $c)))
        (local.set $s (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))
        (if (i32.eqz (f32.lt (f32.abs (local.get $s)) (f32.const inf))) (then (return (i32.const -1))))
        (if (f32.gt (local.get $s) (local.get $bestVal))
          (then (local.set $bestVal (local.get $s)) (local.set $best (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tail)))
    (local.get $best))

;; scratch[j] = v_j - max (unit) or v_j / T - max, for the c float32 values at `row`, two at a time.
  (func $rowArgs (param $row i32) (param $c i32) (param $scratch i32) (param $max f64) (param $unit i32) (param $temperature f64)
    (local $end i32) (local $maxes v128) (local $ts v128)
    (local.set $maxes (f64x2.splat (local.get $max)))
    (local.set $ts (f64x2.splat (local.get $temperature)))
    (local.set $end (i32.add (local.get $scratch) (i32.shl (local.get $c) (i32.const 3))))
    (if (local.get $unit)
      (then
        (loop $argsUnit
          (v128.store (local.get $scratch)
            (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $row))) (local.get $maxes)))
          (local.set $row (i32.add (local.get $row) (i32.const 8)))
          (local.set $scratch (i32.add (local.get $scratch) (i32.const 16)))
          (br_if $argsUnit (i32.lt_u (local.get $scratch) (local.get $end)))))
      (else
        (loop $argsScaled
          (v128.store (local.get $scratch) (f64x2.sub
            (f64x2.div (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $row))) (local.get $ts))
            (local.get $maxes)))
          (local.set $row (i32.add (local.get $row) (i32.const 8)))
          (local.set $scratch (i32.add (local.get $scratch) (i32.const 16)))
          (br_if $argsScaled (i32.lt_u (local.get $scratch) (local.get $end)))))))

  ;; max = v_best (unit) or v_best / T, for the row's first arg-max `best`.
  (func $rowMax (param $row i32) (param $best i32) (param $unit i32) (param $temperature f64) (result f64)
    (local $v f64)
    (local.set $v (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $best) (i32.const 2))))))
    (if (result f64) (local.get $unit) (then (local.get $v)) (else (f64.div (local.get $v) (local.get $temperature)))))

  ;; Brier term of one row from its exponentials e_j (doubles at `e`) and their sum: sum_j (e_j / sum)^2 in order
  ;; j = 0 .., the label's term (e_label / sum - 1)^2 in its place.
  (func $brier1 (param $e i32) (param $c i32) (param $sum f64) (param $label i32) (result f64)
    (local $j i32) (local $dl f64) (local $sq f64) (local $sums v128) (local $d v128)
    (local.set $dl (f64.sub (f64.div (f64.load (i32.add (local.get $e) (i32.shl (local.get $label) (i32.const 3))))
      (local.get $sum)) (f64.const 1)))
    (local.set $dl (f64.mul (local.get $dl) (local.get $dl)))
    (local.set $sums (f64x2.splat (local.get $sum)))
    (loop $pairs
      (local.set $d (f64x2.div (v128.load (local.get $e)) (local.get $sums)))
      (local.set $d (f64x2.mul (local.get $d) (local.get $d)))
      (local.set $sq (f64.add (local.get $sq)
        (select (local.get $dl) (f64x2.extract_lane 0 (local.get $d)) (i32.eq (local.get $j) (local.get $label)))))
      (if (i32.lt_s (i32.add (local.get $j) (i32.const 1)) (local.get $c))
        (then (local.set $sq (f64.add (local.get $sq)
          (select (local.get $dl) (f64x2.extract_lane 1 (local.get $d))
            (i32.eq (i32.add (local.get $j) (i32.const 1)) (local.get $label)))))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (local.set $e (i32.add (local.get $e) (i32.const 16)))
      (br_if $pairs (i32.lt_s (local.get $j) (local.get $c))))
    (local.get $sq))

;; calibrationRowTerms for `rows` rows of c float32 logits at `block`, labels (int32) at `labels`: per row r,
  ;; outSum[r] = sum_j exp(z_j - max) (z = v / T, or v when `unit`), outMax[r] = max, outBrier[r] = sum_j (p_j -
  ;; onehot_j)^2 with p_j = e_j / sum, outBest[r] = the first arg-max. Scratch: c doubles. Returns `rows`, or the
  ;; index of the first row holding a NaN or an infinity (rows before it written).
  (func (export "calibrationRows")
    (param $block i32) (param $rows i32) (param $c i32) (param $labels i32) (param $temperature f64) (param $unit i32)
    (param $scratch i32) (param $outSum i32) (param $outMax i32) (param $outBrier i32) (param $outBest i32)
    (result i32)
    (local $r i32) (local $row i32) (local $best i32) (local $max f64) (local $sum f64)
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $block) (i32.shl (i32.mul (local.get $r) (local.get $c)) (i32.const 2))))
        (local.set $best (call $firstArgmax (local.get $row) (local.get $c)))
        (if (i32.lt_s (local.get $best) (i32.const 0)) (then (return (local.get $r))))
        (local.set $max (call $rowMax (local.get $row) (local.get $best) (local.get $unit) (local.get $temperature)))
        (call $rowArgs (local.get $row) (local.get $c) (local.get $scratch) (local.get $max) (local.get $unit) (local.get $temperature))
        (local.set $sum (call $expInPlace (local.get $scratch) (local.get $c) (local.get $row) (i32.const 0)))
        (f64.store (i32.add (local.get $outSum) (i32.shl (local.get $r) (i32.const 3))) (local.get $sum))
        (f64.store (i32.add (local.get $outMax) (i32.shl (local.get $r) (i32.const 3))) (local.get $max))
        (f64.store (i32.add (local.get $outBrier) (i32.shl (local.get $r) (i32.const 3)))
          (call $brier1 (local.get $scratch) (local.get $c) (local.get $sum)
            (i32.load (i32.add (local.get $labels) (i32.shl (local.get $r) (i32.const 2))))))
        (i32.store (i32.add (local.get $outBest) (i32.shl (local.get $r) (i32.const 2))) (local.get $best))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop)))
    (local.get $rows))

  ;; betaDerivativeRowTerms (../calibration.ts) for `rows` rows of c float32 logits at `block`, labels at `labels`,
  ;; beta > 0: per row, max = beta * the row's maximum (= the maximum of beta * v_j: a product by beta > 0 is
  ;; monotone), e_j = exp(beta * v_j - max), sum and mean = (sum_j e_j v_j) / sum, variance = sum_j (e_j (v_j - mean))
  ;; (v_j - mean), each summed in order j = 0 ..; outGrad[r] = mean - v_label, outHess[r] = variance / sum (doubles).
  ;; The caller sums the terms in row order (threads may score the rows). Scratch: c doubles (+ slack). Returns
  ;; `rows`, or the index of the first row holding a NaN or an infinity (the terms of the rows before it written).
  (func (export "betaRowTerms")
    (param $block i32) (param $rows i32) (param $c i32) (param $labels i32) (param $beta f64) (param $scratch i32)
    (param $outGrad i32) (param $outHess i32) (result i32)
    (local $r i32) (local $row i32) (local $best i32) (local $maxes v128) (local $betas v128) (local $j i32)
    (local $p i32) (local $end i32) (local $sum f64) (local $mean f64) (local $means v128) (local $variance f64)
    (local $v v128) (local $d v128)
    (local.set $betas (f64x2.splat (local.get $beta)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $block) (i32.shl (i32.mul (local.get $r) (local.get $c)) (i32.const 2))))
        (local.set $best (call $firstArgmax (local.get $row) (local.get $c)))
        (if (i32.lt_s (local.get $best) (i32.const 0)) (then (br $done)))
        (local.set $maxes (f64x2.splat (f64.mul (local.get $beta)
          (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $best) (i32.const 2))))))))
        (local.set $end (i32.add (local.get $scratch) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $p (local.get $scratch))
        (local.set $j (local.get $row))
        (loop $args
          (v128.store (local.get $p) (f64x2.sub
            (f64x2.mul (local.get $betas) (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $j))))
            (local.get $maxes)))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br_if $args (i32.lt_u (local.get $p) (local.get $end))))
        ;; sum, and the mean's numerator sum_j e_j * v_j, each in order
        (local.set $sum (call $expInPlace (local.get $scratch) (local.get $c) (local.get $row) (i32.const 1)))
        (local.set $mean (global.get $dot))
        (local.set $mean (f64.div (local.get $mean) (local.get $sum)))
        (local.set $means (f64x2.splat (local.get $mean)))
        ;; variance: sum_j (e_j * d_j) * d_j in order, d_j = v_j - mean
        (local.set $variance (f64.const 0))
        (local.set $p (local.get $scratch))
        (local.set $j (local.get $row))
        (loop $variances
          (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $j))) (local.get $means)))
          (local.set $d (f64x2.mul (f64x2.mul (v128.load (local.get $p)) (local.get $d)) (local.get $d)))
          (local.set $variance (f64.add (local.get $variance) (f64x2.extract_lane 0 (local.get $d))))
          (if (i32.lt_u (i32.add (local.get $p) (i32.const 8)) (local.get $end))
            (then (local.set $variance (f64.add (local.get $variance) (f64x2.extract_lane 1 (local.get $d))))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br_if $variances (i32.lt_u (local.get $p) (local.get $end))))
        (f64.store (i32.add (local.get $outGrad) (i32.shl (local.get $r) (i32.const 3))) (f64.sub (local.get $mean)
          (f64.promote_f32 (f32.load (i32.add (local.get $row)
            (i32.shl (i32.load (i32.add (local.get $labels) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))))))
        (f64.store (i32.add (local.get $outHess) (i32.shl (local.get $r) (i32.const 3)))
          (f64.div (local.get $variance) (local.get $sum)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop)))
    (local.get $r))
)
