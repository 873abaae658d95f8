;; Training kernels in WebAssembly SIMD, run on the wasm backend's own heap.
;;
;; The module imports the tfjs wasm backend's memory, so every pointer below
;; is the byte offset of a tensor in that heap (BackendWasm.getMemoryOffset):
;; nothing is copied in or out. The build also makes a copy of this module
;; whose memory is not `shared`, for the single-threaded tfjs build (an
;; import must match the memory's kind). All tensors are float32, row-major
;; (NHWC).
;;
;; Why here and not in JS: these loops are dominated by data-dependent
;; compares (max pooling) or by multiply-adds over long rows; JS runs the
;; first as unpredictable branches and the second one float at a time. Here
;; four channels go through each instruction, selects are branch-free, and
;; the results are bit-for-bit those of the JS/TensorFlow definitions (see
;; each function).
;;
;; Multiply-adds in the hot loops are written `f32x4.relaxed_madd a b c`
;; (a*b + c). Where the CPU has fused multiply-add this is one instruction
;; with one rounding instead of two; the build also writes a plain binary
;; that spells each one `f32x4.add (f32x4.mul a b) c`, and module.ts picks
;; the fused one only where it really fuses (maddFuses below). Sums that
;; must equal a stock kernel bit for bit (Adam, bias adds) never use it.
;;
;; One file, because it is one module: the kernels are independent functions,
;; instantiated together once per backend against its memory (module.ts) and
;; called through simd/ops.ts, which checks shapes before any pointer is used.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; dx for 2x2 max pooling with stride 2 and no padding.
  ;; Each window's gradient goes to its FIRST maximum in row-major window
  ;; order under a strict `>` starting from -Infinity (TensorFlow's and the
  ;; tfjs cpu kernel's rule): NaN never wins, a window of NaN or -Infinity
  ;; only gets no gradient, and the gradient bits are copied, not multiplied.
  ;; Needs c % 4 == 0. Rows/columns no window covers (odd h or w) get 0.
  (func (export "maxPoolGrad2x2")
    (param $x i32) (param $dy i32) (param $dx i32)
    (param $n i32) (param $h i32) (param $w i32) (param $c i32)
    (param $ho i32) (param $wo i32)
    (local $cb i32) (local $row i32) (local $base i32) (local $end i32)
    (local $a i32) (local $stop i32) (local $g i32) (local $oy i32) (local $ox i32) (local $b i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $best v128) (local $idx v128) (local $m v128) (local $gv v128)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $row (i32.mul (local.get $w) (local.get $cb)))
    (if (i32.or (i32.ne (local.get $h) (i32.shl (local.get $ho) (i32.const 1)))
                (i32.ne (local.get $w) (i32.shl (local.get $wo) (i32.const 1))))
      (then (memory.fill (local.get $dx) (i32.const 0)
              (i32.mul (i32.mul (local.get $n) (local.get $h)) (local.get $row)))))
    (local.set $g (local.get $dy))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $oy (i32.const 0))
      (block $ydone (loop $yloop
        (br_if $ydone (i32.ge_u (local.get $oy) (local.get $ho)))
        ;; byte offset of the window row: (b*h + 2*oy) * row
        (local.set $base (i32.mul
          (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.shl (local.get $oy) (i32.const 1)))
          (local.get $row)))
        (local.set $ox (i32.const 0))
        (block $xdone (loop $xloop
          (br_if $xdone (i32.ge_u (local.get $ox) (local.get $wo)))
          (local.set $a (i32.add (local.get $base) (i32.mul (i32.shl (local.get $ox) (i32.const 1)) (local.get $cb))))
          (local.set $stop (i32.add (local.get $a) (local.get $cb)))
          (block $kdone (loop $kloop
            (br_if $kdone (i32.ge_u (local.get $a) (local.get $stop)))
            (local.set $v0 (v128.load (i32.add (local.get $x) (local.get $a))))
            (local.set $v1 (v128.load (i32.add (local.get $x) (i32.add (local.get $a) (local.get $cb)))))
            (local.set $v2 (v128.load (i32.add (local.get $x) (i32.add (local.get $a) (local.get $row)))))
            (local.set $v3 (v128.load (i32.add (local.get $x) (i32.add (i32.add (local.get $a) (local.get $row)) (local.get $cb)))))
            (local.set $best (v128.const f32x4 -inf -inf -inf -inf))
            (local.set $idx (v128.const i32x4 -1 -1 -1 -1))
            ;; tap t replaces the running maximum only where strictly greater
            (local.set $m (f32x4.gt (local.get $v0) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v0) (local.get $best) (local.get $m)))
            (local.set $idx (v128.bitselect (v128.const i32x4 0 0 0 0) (local.get $idx) (local.get $m)))
            (local.set $m (f32x4.gt (local.get $v1) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v1) (local.get $best) (local.get $m)))
            (local.set $idx (v128.bitselect (v128.const i32x4 1 1 1 1) (local.get $idx) (local.get $m)))
            (local.set $m (f32x4.gt (local.get $v2) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v2) (local.get $best) (local.get $m)))
            (local.set $idx (v128.bitselect (v128.const i32x4 2 2 2 2) (local.get $idx) (local.get $m)))
            (local.set $m (f32x4.gt (local.get $v3) (local.get $best)))
            (local.set $idx (v128.bitselect (v128.const i32x4 3 3 3 3) (local.get $idx) (local.get $m)))
            (local.set $gv (v128.load (local.get $g)))
            (v128.store (i32.add (local.get $dx) (local.get $a))
              (v128.and (local.get $gv) (i32x4.eq (local.get $idx) (v128.const i32x4 0 0 0 0))))
            (v128.store (i32.add (local.get $dx) (i32.add (local.get $a) (local.get $cb)))
              (v128.and (local.get $gv) (i32x4.eq (local.get $idx) (v128.const i32x4 1 1 1 1))))
            (v128.store (i32.add (local.get $dx) (i32.add (local.get $a) (local.get $row)))
              (v128.and (local.get $gv) (i32x4.eq (local.get $idx) (v128.const i32x4 2 2 2 2))))
            (v128.store (i32.add (local.get $dx) (i32.add (i32.add (local.get $a) (local.get $row)) (local.get $cb)))
              (v128.and (local.get $gv) (i32x4.eq (local.get $idx) (v128.const i32x4 3 3 3 3))))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (br $kloop)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $xloop)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $yloop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop)))
  )

  ;; 2x2 max pooling with stride 2 and no padding, forward: out [n, ho, wo, c]
  ;; from x [n, h, w, c] (2*ho <= h, 2*wo <= w; rows and columns no window
  ;; covers are skipped), for the samples [b0, b1) (a helper thread can take
  ;; the rest). Each output is the maximum under a strict `>` from -Infinity
  ;; in row-major window order, as TensorFlow's and the tfjs cpu kernel's
  ;; loops take it: NaN never wins and a window of NaN gives -Infinity.
  ;; f32x4.pmax(a, b) is `a < b ? b : a`: it keeps a on a tie or a NaN b, so
  ;; pmax(pmax(a0, v1), pmax(a2, v3)) with a = pmax(-inf, v) gives the same
  ;; value as the loop (the first of equal maxima, -0 or +0 included), with
  ;; a shorter dependency chain. Needs c % 4 == 0.
  (func (export "maxPool2x2")
    (param $x i32) (param $out i32)
    (param $h i32) (param $w i32) (param $c i32) (param $ho i32) (param $wo i32)
    (param $b0 i32) (param $b1 i32)
    (local $cb i32) (local $row i32) (local $base i32) (local $a i32) (local $stop i32)
    (local $oy i32) (local $ox i32) (local $b i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $row (i32.mul (local.get $w) (local.get $cb)))
    (local.set $out (i32.add (local.get $out)
      (i32.mul (i32.mul (local.get $b0) (i32.mul (local.get $ho) (local.get $wo))) (local.get $cb))))
    (local.set $b (local.get $b0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $b1)))
      (local.set $oy (i32.const 0))
      (block $ydone (loop $yloop
        (br_if $ydone (i32.ge_u (local.get $oy) (local.get $ho)))
        ;; byte offset of the window row: (b*h + 2*oy) * row
        (local.set $base (i32.add (local.get $x) (i32.mul
          (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.shl (local.get $oy) (i32.const 1)))
          (local.get $row))))
        (local.set $ox (i32.const 0))
        (block $xdone (loop $xloop
          (br_if $xdone (i32.ge_u (local.get $ox) (local.get $wo)))
          (local.set $a (i32.add (local.get $base) (i32.mul (i32.shl (local.get $ox) (i32.const 1)) (local.get $cb))))
          (local.set $stop (i32.add (local.get $a) (local.get $cb)))
          (block $kdone (loop $kloop
            (br_if $kdone (i32.ge_u (local.get $a) (local.get $stop)))
            (v128.store (local.get $out)
              (f32x4.pmax
                (f32x4.pmax
                  (f32x4.pmax (v128.const f32x4 -inf -inf -inf -inf) (v128.load (local.get $a)))
                  (v128.load (i32.add (local.get $a) (local.get $cb))))
                (f32x4.pmax
                  (f32x4.pmax (v128.const f32x4 -inf -inf -inf -inf) (v128.load (i32.add (local.get $a) (local.get $row))))
                  (v128.load (i32.add (i32.add (local.get $a) (local.get $row)) (local.get $cb))))))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (br $kloop)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $xloop)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $yloop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop)))
  )

  ;; Filter gradient of a convolution for up to nine filter taps at once:
  ;;   out[t, o] = sum over (b, p, q) of x[window(b, p, q) + tap t] * dy[b, p, q, o]
  ;; x is the (already padded) input [n, hp, wp, cin]; window(b, p, q) is the
  ;; byte offset of element [b, p*sh, q*sw, 0]; o0..o8 are the taps' byte
  ;; offsets inside a window ((i*wp + j)*cin + c) * 4. out is [9, cout] and is
  ;; overwritten; rows of taps the caller does not need are computed from
  ;; whatever offset it passed and ignored. Needs cout % 4 == 0.
  ;; Loop order: one output row (b, p) at a time, four output channels at a
  ;; time, so the nine accumulators stay in registers across the row.
  (func (export "filterGrad9")
    (param $x i32) (param $dy i32) (param $out i32)
    (param $n i32) (param $hp i32) (param $wp i32) (param $cin i32)
    (param $ho i32) (param $wo i32) (param $cout i32) (param $sh i32) (param $sw i32)
    (param $o0 i32) (param $o1 i32) (param $o2 i32) (param $o3 i32) (param $o4 i32)
    (param $o5 i32) (param $o6 i32) (param $o7 i32) (param $o8 i32)
    (local $ob i32) (local $ocb i32) (local $xstep i32) (local $b i32) (local $p i32) (local $q i32)
    (local $xrow i32) (local $dyrow i32) (local $xp i32) (local $dp i32) (local $acc i32)
    (local $d v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128)
    (local $a5 v128) (local $a6 v128) (local $a7 v128) (local $a8 v128)
    (local.set $ocb (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $xstep (i32.shl (i32.mul (local.get $sw) (local.get $cin)) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (i32.mul (local.get $ocb) (i32.const 9)))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $p (i32.const 0))
      (block $pdone (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $p) (local.get $ho)))
        (local.set $xrow (i32.add (local.get $x) (i32.shl (i32.mul
          (i32.mul (i32.add (i32.mul (local.get $b) (local.get $hp)) (i32.mul (local.get $p) (local.get $sh))) (local.get $wp))
          (local.get $cin)) (i32.const 2))))
        (local.set $dyrow (i32.add (local.get $dy) (i32.mul
          (i32.add (i32.mul (local.get $b) (local.get $ho)) (local.get $p))
          (i32.mul (local.get $wo) (local.get $ocb)))))
        (local.set $ob (i32.const 0))
        (block $odone (loop $oloop
          (br_if $odone (i32.ge_u (local.get $ob) (local.get $ocb)))
          (local.set $acc (i32.add (local.get $out) (local.get $ob)))
          (local.set $a0 (v128.load (local.get $acc)))
          (local.set $a1 (v128.load (i32.add (local.get $acc) (local.get $ocb))))
          (local.set $a2 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 2)))))
          (local.set $a3 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 3)))))
          (local.set $a4 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 4)))))
          (local.set $a5 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 5)))))
          (local.set $a6 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 6)))))
          (local.set $a7 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 7)))))
          (local.set $a8 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 8)))))
          (local.set $xp (local.get $xrow))
          (local.set $dp (i32.add (local.get $dyrow) (local.get $ob)))
          (local.set $q (i32.const 0))
          (block $qdone (loop $qloop
            (br_if $qdone (i32.ge_u (local.get $q) (local.get $wo)))
            (local.set $d (v128.load (local.get $dp)))
            (local.set $a0 (f32x4.relaxed_madd (local.get $d) (v128.load32_splat (i32.add (local.get $xp) (local.get $o0))) (local.get $a0)))
            (local.set $a1 (f32x4.relaxed_madd (local.get $d) (v128.load32_splat (i32.add (local.get $xp) (local.get $o1))) (local.get $a1)))
            (local.set $a2 (f32x4.relaxed_madd (local.get $d) (v128.load32_splat (i32.add (local.get $xp) (local.get $o2))) (local.get $a2)))
            (local.set $a3 (f32x4.relaxed_madd (local.get $d) (v128.load32_splat (i32.add (local.get $xp) (local.get $o3))) (local.get $a3)))
            (local.set $a4 (f32x4.relaxed_madd (local.get $d) (v128.load32_splat (i32.add (local.get $xp) (local.get $o4))) (local.get $a4)))
            (local.set $a5 (f32x4.relaxed_madd (local.get $d) (v128.load32_splat (i32.add (local.get $xp) (local.get $o5))) (local.get $a5)))
            (local.set $a6 (f32x4.relaxed_madd (local.get $d) (v128.load32_splat (i32.add (local.get $xp) (local.get $o6))) (local.get $a6)))
            (local.set $a7 (f32x4.relaxed_madd (local.get $d) (v128.load32_splat (i32.add (local.get $xp) (local.get $o7))) (local.get $a7)))
            (local.set $a8 (f32x4.relaxed_madd (local.get $d) (v128.load32_splat (i32.add (local.get $xp) (local.get $o8))) (local.get $a8)))
            (local.set $xp (i32.add (local.get $xp) (local.get $xstep)))
            (local.set $dp (i32.add (local.get $dp) (local.get $ocb)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $qloop)))
          (v128.store (local.get $acc) (local.get $a0))
          (v128.store (i32.add (local.get $acc) (local.get $ocb)) (local.get $a1))
          (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 2))) (local.get $a2))
          (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 3))) (local.get $a3))
          (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 4))) (local.get $a4))
          (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 5))) (local.get $a5))
          (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 6))) (local.get $a6))
          (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 7))) (local.get $a7))
          (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 8))) (local.get $a8))
          (local.set $ob (i32.add (local.get $ob) (i32.const 16)))
          (br $oloop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ploop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop)))
  )

  ;; Filter gradient of a convolution as a register-tiled matrix product read
  ;; straight from x and dy (no im2col, no packed copy of either):
  ;;   out[i, j, c, o] = sum over (b, p, q) of x[b, p*sh + i, q*sw + j, c] * dy[b, p, q, o]
  ;; x is the (already padded) input [n, hp, wp, cin], dy is [n, ho, wo, cout],
  ;; out is [kh, kw, cin, cout]. Needs cin % 4 == 0, cout % 8 == 0, ho, wo >= 1.
  ;; Only input channels [c0, c1) (multiples of 4) are computed, and only their
  ;; rows of out are written: two threads can split one gradient by channels.
  ;; A tile of 4 input x 8 output channels lives in eight registers while it
  ;; runs over a block of `block` rows of dy (rows counted over the whole
  ;; batch, so a block may span samples) and the x rows under them; the
  ;; caller sizes the block to stay in L1 while every tile runs over it. The
  ;; sum runs over samples, then positions in row-major order, in float32.
  (func (export "filterGradTiles")
    (param $x i32) (param $dy i32) (param $out i32)
    (param $n i32) (param $hp i32) (param $wp i32) (param $cin i32)
    (param $ho i32) (param $wo i32) (param $cout i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (param $c0 i32) (param $c1 i32) (param $block i32)
    (local $cb i32) (local $ocb i32) (local $xstep i32) (local $xrowstep i32) (local $dyrow i32) (local $pwrap i32)
    (local $rows i32) (local $r0 i32) (local $r1 i32) (local $p0 i32) (local $x0 i32) (local $r i32) (local $p i32) (local $xr i32) (local $dr i32)
    (local $i i32) (local $j i32) (local $cc i32) (local $o i32) (local $q i32)
    (local $xt i32) (local $outt i32) (local $acc i32) (local $xp i32) (local $dp i32)
    (local $s v128) (local $d0 v128) (local $d1 v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128) (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $cb (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $ocb (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $xstep (i32.mul (local.get $sw) (local.get $cb)))
    (local.set $xrowstep (i32.mul (i32.mul (local.get $sh) (local.get $wp)) (local.get $cb)))
    (local.set $dyrow (i32.mul (local.get $wo) (local.get $ocb)))
    ;; from the last row of a sample to the first of the next
    (local.set $pwrap (i32.sub (i32.mul (i32.mul (local.get $hp) (local.get $wp)) (local.get $cb)) (i32.mul (local.get $ho) (local.get $xrowstep))))
    (local.set $rows (i32.mul (local.get $n) (local.get $ho)))
    (local.set $r0 (i32.const 0))
    (local.set $p0 (i32.const 0))
    (local.set $x0 (local.get $x))
    (block $blkdone (loop $blkloop
      (br_if $blkdone (i32.ge_u (local.get $r0) (local.get $rows)))
      (local.set $r1 (select (local.get $rows) (i32.add (local.get $r0) (local.get $block))
        (i32.gt_u (i32.add (local.get $r0) (local.get $block)) (local.get $rows))))
      (local.set $i (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $kh)))
        (local.set $j (i32.const 0))
        (block $jdone (loop $jloop
          (br_if $jdone (i32.ge_u (local.get $j) (local.get $kw)))
          ;; this tap's offset inside a sample, and its [cin, cout] block of out
          (local.set $xt (i32.mul (i32.add (i32.mul (local.get $i) (local.get $wp)) (local.get $j)) (local.get $cb)))
          (local.set $outt (i32.add (local.get $out)
            (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (i32.mul (local.get $cin) (local.get $ocb)))))
          (local.set $cc (i32.shl (local.get $c0) (i32.const 2)))
          (block $cdone (loop $cloop
            (br_if $cdone (i32.ge_u (local.get $cc) (i32.shl (local.get $c1) (i32.const 2))))
            (local.set $o (i32.const 0))
            (block $odone (loop $oloop
              (br_if $odone (i32.ge_u (local.get $o) (local.get $ocb)))
              ;; out rows c..c+3: cc is 4c, the byte offset of channel c in an x pixel
              (local.set $acc (i32.add (i32.add (local.get $outt) (i32.mul (i32.shr_u (local.get $cc) (i32.const 2)) (local.get $ocb))) (local.get $o)))
              (if (i32.eqz (local.get $r0))
                (then
                (local.set $a00 (v128.const i32x4 0 0 0 0))
                (local.set $a01 (v128.const i32x4 0 0 0 0))
                (local.set $a10 (v128.const i32x4 0 0 0 0))
                (local.set $a11 (v128.const i32x4 0 0 0 0))
                (local.set $a20 (v128.const i32x4 0 0 0 0))
                (local.set $a21 (v128.const i32x4 0 0 0 0))
                (local.set $a30 (v128.const i32x4 0 0 0 0))
                (local.set $a31 (v128.const i32x4 0 0 0 0))
                )
                (else
                (local.set $a00 (v128.load (local.get $acc)))
                (local.set $a01 (v128.load offset=16 (local.get $acc)))
                (local.set $a10 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 1)))))
                (local.set $a11 (v128.load offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 1)))))
                (local.set $a20 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 2)))))
                (local.set $a21 (v128.load offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 2)))))
                (local.set $a30 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 3)))))
                (local.set $a31 (v128.load offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 3)))))
                ))
              ;; the block's rows: x row (b, p*sh) and dy row (b, p), b and p counted along
              (local.set $r (local.get $r0))
              (local.set $p (local.get $p0))
              (local.set $xr (local.get $x0))
              (local.set $dr (i32.add (i32.add (local.get $dy) (i32.mul (local.get $r0) (local.get $dyrow))) (local.get $o)))
              (loop $rloop
                (local.set $xp (i32.add (local.get $xr) (i32.add (local.get $xt) (local.get $cc))))
                (local.set $dp (local.get $dr))
                (local.set $q (local.get $wo))
                (loop $qloop
                  (local.set $d0 (v128.load (local.get $dp)))
                  (local.set $d1 (v128.load offset=16 (local.get $dp)))
                  (local.set $s (v128.load32_splat (local.get $xp)))
                  (local.set $a00 (f32x4.relaxed_madd (local.get $s) (local.get $d0) (local.get $a00)))
                  (local.set $a01 (f32x4.relaxed_madd (local.get $s) (local.get $d1) (local.get $a01)))
                  (local.set $s (v128.load32_splat (i32.add (local.get $xp) (i32.const 4))))
                  (local.set $a10 (f32x4.relaxed_madd (local.get $s) (local.get $d0) (local.get $a10)))
                  (local.set $a11 (f32x4.relaxed_madd (local.get $s) (local.get $d1) (local.get $a11)))
                  (local.set $s (v128.load32_splat (i32.add (local.get $xp) (i32.const 8))))
                  (local.set $a20 (f32x4.relaxed_madd (local.get $s) (local.get $d0) (local.get $a20)))
                  (local.set $a21 (f32x4.relaxed_madd (local.get $s) (local.get $d1) (local.get $a21)))
                  (local.set $s (v128.load32_splat (i32.add (local.get $xp) (i32.const 12))))
                  (local.set $a30 (f32x4.relaxed_madd (local.get $s) (local.get $d0) (local.get $a30)))
                  (local.set $a31 (f32x4.relaxed_madd (local.get $s) (local.get $d1) (local.get $a31)))
                  (local.set $xp (i32.add (local.get $xp) (local.get $xstep)))
                  (local.set $dp (i32.add (local.get $dp) (local.get $ocb)))
                  (local.set $q (i32.sub (local.get $q) (i32.const 1)))
                  (br_if $qloop (local.get $q)))
                (local.set $dr (i32.add (local.get $dr) (local.get $dyrow)))
                (local.set $xr (i32.add (local.get $xr) (local.get $xrowstep)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (if (i32.eq (local.get $p) (local.get $ho)) (then
                  (local.set $p (i32.const 0))
                  (local.set $xr (i32.add (local.get $xr) (local.get $pwrap)))))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br_if $rloop (i32.lt_u (local.get $r) (local.get $r1))))
              (v128.store (local.get $acc) (local.get $a00))
              (v128.store offset=16 (local.get $acc) (local.get $a01))
              (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 1))) (local.get $a10))
              (v128.store offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 1))) (local.get $a11))
              (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 2))) (local.get $a20))
              (v128.store offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 2))) (local.get $a21))
              (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 3))) (local.get $a30))
              (v128.store offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 3))) (local.get $a31))
              (local.set $o (i32.add (local.get $o) (i32.const 32)))
              (br $oloop)))
            (local.set $cc (i32.add (local.get $cc) (i32.const 16)))
            (br $cloop)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
      ;; the next block starts where this one's rows end
      (block $adone (loop $aloop
        (br_if $adone (i32.ge_u (local.get $r0) (local.get $r1)))
        (local.set $x0 (i32.add (local.get $x0) (local.get $xrowstep)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 1)))
        (if (i32.eq (local.get $p0) (local.get $ho)) (then
          (local.set $p0 (i32.const 0))
          (local.set $x0 (i32.add (local.get $x0) (local.get $pwrap)))))
        (local.set $r0 (i32.add (local.get $r0) (i32.const 1)))
        (br $aloop)))
      (br $blkloop)))
  )

  ;; The same filter gradient for any number of input channels: a tile is 4
  ;; consecutive floats of a filter row's taps and channels (kw*cin of them,
  ;; consecutive in a window row of x and in rows of out) x 8 output
  ;; channels, so a first layer with one input channel (3 taps a row) still
  ;; fills three of four lanes instead of running 9-long sums; lanes past a
  ;; row's end read its first lane again and are not stored. Tiles
  ;; [u0, u1), counted row by row over the filter, are computed (two threads
  ;; can split them); blocks of dy rows as in filterGradTiles, whose fixed
  ;; lane offsets make it ~8% faster where cin % 4 == 0. Needs cout % 8 == 0.
  (func (export "filterGradRows")
    (param $x i32) (param $dy i32) (param $out i32)
    (param $n i32) (param $hp i32) (param $wp i32) (param $cin i32)
    (param $ho i32) (param $wo i32) (param $cout i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (param $u0 i32) (param $u1 i32) (param $block i32)
    (local $cb i32) (local $ocb i32) (local $xstep i32) (local $xrowstep i32) (local $dyrow i32) (local $pwrap i32)
    (local $rows i32) (local $r0 i32) (local $r1 i32) (local $p0 i32) (local $x0 i32) (local $r i32) (local $p i32) (local $xr i32) (local $dr i32)
    (local $rowlen i32) (local $per i32) (local $u i32) (local $mt i32) (local $o1 i32) (local $o2 i32) (local $o3 i32) (local $o i32) (local $q i32)
    (local $xt i32) (local $outt i32) (local $acc i32) (local $xp i32) (local $dp i32)
    (local $s v128) (local $d0 v128) (local $d1 v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128) (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $cb (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $ocb (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $xstep (i32.mul (local.get $sw) (local.get $cb)))
    (local.set $xrowstep (i32.mul (i32.mul (local.get $sh) (local.get $wp)) (local.get $cb)))
    (local.set $dyrow (i32.mul (local.get $wo) (local.get $ocb)))
    ;; from the last row of a sample to the first of the next
    (local.set $pwrap (i32.sub (i32.mul (i32.mul (local.get $hp) (local.get $wp)) (local.get $cb)) (i32.mul (local.get $ho) (local.get $xrowstep))))
    (local.set $rows (i32.mul (local.get $n) (local.get $ho)))
    (local.set $rowlen (i32.mul (local.get $kw) (local.get $cin)))
    ;; tiles of 4 taps-and-channels per filter row
    (local.set $per (i32.shr_u (i32.add (local.get $rowlen) (i32.const 3)) (i32.const 2)))
    (local.set $r0 (i32.const 0))
    (local.set $p0 (i32.const 0))
    (local.set $x0 (local.get $x))
    (block $blkdone (loop $blkloop
      (br_if $blkdone (i32.ge_u (local.get $r0) (local.get $rows)))
      (local.set $r1 (select (local.get $rows) (i32.add (local.get $r0) (local.get $block))
        (i32.gt_u (i32.add (local.get $r0) (local.get $block)) (local.get $rows))))
      (local.set $u (local.get $u0))
      (block $udone (loop $uloop
        (br_if $udone (i32.ge_u (local.get $u) (local.get $u1)))
        ;; tile u: filter row i = u / per, taps and channels m = 4 (u % per) .. + 3 of that row,
        ;; which are consecutive floats in a window row of x and consecutive rows of out
        (local.set $mt (i32.shl (i32.rem_u (local.get $u) (local.get $per)) (i32.const 2)))
        (local.set $xt (i32.add (i32.mul (i32.mul (i32.div_u (local.get $u) (local.get $per)) (local.get $wp)) (local.get $cb)) (i32.shl (local.get $mt) (i32.const 2))))
        (local.set $outt (i32.add (local.get $out) (i32.mul (i32.add (i32.mul (i32.div_u (local.get $u) (local.get $per)) (local.get $rowlen)) (local.get $mt)) (local.get $ocb))))
        ;; lanes past the row's end read lane 0 again and are not stored
        (local.set $o1 (select (i32.const 4) (i32.const 0) (i32.lt_u (i32.add (local.get $mt) (i32.const 1)) (local.get $rowlen))))
        (local.set $o2 (select (i32.const 8) (i32.const 0) (i32.lt_u (i32.add (local.get $mt) (i32.const 2)) (local.get $rowlen))))
        (local.set $o3 (select (i32.const 12) (i32.const 0) (i32.lt_u (i32.add (local.get $mt) (i32.const 3)) (local.get $rowlen))))
            (local.set $o (i32.const 0))
            (block $odone (loop $oloop
              (br_if $odone (i32.ge_u (local.get $o) (local.get $ocb)))
              (local.set $acc (i32.add (local.get $outt) (local.get $o)))
              (if (i32.eqz (local.get $r0))
                (then
                (local.set $a00 (v128.const i32x4 0 0 0 0))
                (local.set $a01 (v128.const i32x4 0 0 0 0))
                (local.set $a10 (v128.const i32x4 0 0 0 0))
                (local.set $a11 (v128.const i32x4 0 0 0 0))
                (local.set $a20 (v128.const i32x4 0 0 0 0))
                (local.set $a21 (v128.const i32x4 0 0 0 0))
                (local.set $a30 (v128.const i32x4 0 0 0 0))
                (local.set $a31 (v128.const i32x4 0 0 0 0))
                )
                (else
                (local.set $a00 (v128.load (local.get $acc)))
                (local.set $a01 (v128.load offset=16 (local.get $acc)))
                (local.set $a10 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (select (i32.const 1) (i32.const 0) (i32.lt_u (i32.add (local.get $mt) (i32.const 1)) (local.get $rowlen)))))))
                (local.set $a11 (v128.load offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (select (i32.const 1) (i32.const 0) (i32.lt_u (i32.add (local.get $mt) (i32.const 1)) (local.get $rowlen)))))))
                (local.set $a20 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (select (i32.const 2) (i32.const 0) (i32.lt_u (i32.add (local.get $mt) (i32.const 2)) (local.get $rowlen)))))))
                (local.set $a21 (v128.load offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (select (i32.const 2) (i32.const 0) (i32.lt_u (i32.add (local.get $mt) (i32.const 2)) (local.get $rowlen)))))))
                (local.set $a30 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $ocb) (select (i32.const 3) (i32.const 0) (i32.lt_u (i32.add (local.get $mt) (i32.const 3)) (local.get $rowlen)))))))
                (local.set $a31 (v128.load offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (select (i32.const 3) (i32.const 0) (i32.lt_u (i32.add (local.get $mt) (i32.const 3)) (local.get $rowlen)))))))
                ))
              ;; the block's rows: x row (b, p*sh) and dy row (b, p), b and p counted along
              (local.set $r (local.get $r0))
              (local.set $p (local.get $p0))
              (local.set $xr (local.get $x0))
              (local.set $dr (i32.add (i32.add (local.get $dy) (i32.mul (local.get $r0) (local.get $dyrow))) (local.get $o)))
              (loop $rloop
                (local.set $xp (i32.add (local.get $xr) (local.get $xt)))
                (local.set $dp (local.get $dr))
                (local.set $q (local.get $wo))
                (loop $qloop
                  (local.set $d0 (v128.load (local.get $dp)))
                  (local.set $d1 (v128.load offset=16 (local.get $dp)))
                  (local.set $s (v128.load32_splat (local.get $xp)))
                  (local.set $a00 (f32x4.relaxed_madd (local.get $s) (local.get $d0) (local.get $a00)))
                  (local.set $a01 (f32x4.relaxed_madd (local.get $s) (local.get $d1) (local.get $a01)))
                  (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $o1))))
                  (local.set $a10 (f32x4.relaxed_madd (local.get $s) (local.get $d0) (local.get $a10)))
                  (local.set $a11 (f32x4.relaxed_madd (local.get $s) (local.get $d1) (local.get $a11)))
                  (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $o2))))
                  (local.set $a20 (f32x4.relaxed_madd (local.get $s) (local.get $d0) (local.get $a20)))
                  (local.set $a21 (f32x4.relaxed_madd (local.get $s) (local.get $d1) (local.get $a21)))
                  (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $o3))))
                  (local.set $a30 (f32x4.relaxed_madd (local.get $s) (local.get $d0) (local.get $a30)))
                  (local.set $a31 (f32x4.relaxed_madd (local.get $s) (local.get $d1) (local.get $a31)))
                  (local.set $xp (i32.add (local.get $xp) (local.get $xstep)))
                  (local.set $dp (i32.add (local.get $dp) (local.get $ocb)))
                  (local.set $q (i32.sub (local.get $q) (i32.const 1)))
                  (br_if $qloop (local.get $q)))
                (local.set $dr (i32.add (local.get $dr) (local.get $dyrow)))
                (local.set $xr (i32.add (local.get $xr) (local.get $xrowstep)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (if (i32.eq (local.get $p) (local.get $ho)) (then
                  (local.set $p (i32.const 0))
                  (local.set $xr (i32.add (local.get $xr) (local.get $pwrap)))))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br_if $rloop (i32.lt_u (local.get $r) (local.get $r1))))
              (v128.store (local.get $acc) (local.get $a00)) (v128.store offset=16 (local.get $acc) (local.get $a01))
              (if (i32.lt_u (i32.add (local.get $mt) (i32.const 1)) (local.get $rowlen)) (then (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 1))) (local.get $a10)) (v128.store offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 1))) (local.get $a11))))
              (if (i32.lt_u (i32.add (local.get $mt) (i32.const 2)) (local.get $rowlen)) (then (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 2))) (local.get $a20)) (v128.store offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 2))) (local.get $a21))))
              (if (i32.lt_u (i32.add (local.get $mt) (i32.const 3)) (local.get $rowlen)) (then (v128.store (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 3))) (local.get $a30)) (v128.store offset=16 (i32.add (local.get $acc) (i32.mul (local.get $ocb) (i32.const 3))) (local.get $a31))))
              (local.set $o (i32.add (local.get $o) (i32.const 32)))
              (br $oloop)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $uloop)))
      ;; the next block starts where this one's rows end
      (block $adone (loop $aloop
        (br_if $adone (i32.ge_u (local.get $r0) (local.get $r1)))
        (local.set $x0 (i32.add (local.get $x0) (local.get $xrowstep)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 1)))
        (if (i32.eq (local.get $p0) (local.get $ho)) (then
          (local.set $p0 (i32.const 0))
          (local.set $x0 (i32.add (local.get $x0) (local.get $pwrap)))))
        (local.set $r0 (i32.add (local.get $r0) (i32.const 1)))
        (br $aloop)))
      (br $blkloop)))
  )

  ;; Input gradient of a convolution, accumulated straight into dx:
  ;;   dx[b, p*sh + i, q*sw + j, c] += sum over o of dy[b, p, q, o] * w[i, j, c, o]
  ;; dy is [n, ho, wo, cout]; wt is the filter with its channel axes swapped,
  ;; [kh, kw, cout, cin]; dx is the (padded) input grid [n, hp, wp, cin]. Only
  ;; samples [b0, b1) are zeroed and written, so two threads can split a
  ;; batch. Needs cin % 16 == 0. Two output pixels x 16 input channels sit in
  ;; eight registers while the sum runs over cout; then they are added onto
  ;; dx, which for one sample (a few tens of KB) stays in cache. No columns
  ;; buffer: the 1x1-convolution-plus-col2im form writes and rereads ~9 MB
  ;; for the target model's second layer.
  (func (export "inputGradTiles")
    (param $dy i32) (param $wt i32) (param $dx i32) (param $b0 i32) (param $b1 i32)
    (param $ho i32) (param $wo i32) (param $cout i32)
    (param $hp i32) (param $wp i32) (param $cin i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (local $cb i32) (local $ocb i32) (local $xstep i32) (local $xsample i32)
    (local $b i32) (local $p i32) (local $q i32) (local $i i32) (local $j i32) (local $k i32) (local $cc i32)
    (local $dxb i32) (local $dyb i32) (local $dpix i32) (local $dxrow i32) (local $wtap i32) (local $xa i32) (local $wq i32)
    (local $d0 i32) (local $d1 i32)
    (local $s v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $g00 v128) (local $g01 v128) (local $g02 v128) (local $g03 v128) (local $g10 v128) (local $g11 v128) (local $g12 v128) (local $g13 v128)
    (local.set $cb (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $ocb (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $xstep (i32.mul (local.get $sw) (local.get $cb)))
    (local.set $xsample (i32.mul (i32.mul (local.get $hp) (local.get $wp)) (local.get $cb)))
    (local.set $b (local.get $b0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $b1)))
      (local.set $dxb (i32.add (local.get $dx) (i32.mul (local.get $b) (local.get $xsample))))
      (local.set $dyb (i32.add (local.get $dy) (i32.mul (i32.mul (local.get $b) (i32.mul (local.get $ho) (local.get $wo))) (local.get $ocb))))
      (memory.fill (local.get $dxb) (i32.const 0) (local.get $xsample))
      (local.set $p (i32.const 0))
      (block $pdone (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $p) (local.get $ho)))
        (local.set $q (i32.const 0))
            ;; groups of 2 output pixel(s) q, q+1, ...
            (block $qpairdone (loop $qpairloop
              (br_if $qpairdone (i32.gt_u (i32.add (local.get $q) (i32.const 2)) (local.get $wo)))
              (local.set $dpix (i32.add (local.get $dyb) (i32.mul (i32.add (i32.mul (local.get $p) (local.get $wo)) (local.get $q)) (local.get $ocb))))
              (local.set $i (i32.const 0))
              (block $ipairdone (loop $ipairloop
                (br_if $ipairdone (i32.ge_u (local.get $i) (local.get $kh)))
                (local.set $j (i32.const 0))
                (block $jpairdone (loop $jpairloop
                  (br_if $jpairdone (i32.ge_u (local.get $j) (local.get $kw)))
                  ;; dx row p*sh + i at column q*sw; the tap's rows of w^T
                  (local.set $dxrow (i32.add (local.get $dxb) (i32.mul
                    (i32.add (i32.mul (i32.add (i32.mul (local.get $p) (local.get $sh)) (local.get $i)) (local.get $wp)) (i32.mul (local.get $q) (local.get $sw)))
                    (local.get $cb))))
                  (local.set $wtap (i32.add (local.get $wt) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (i32.mul (local.get $cout) (local.get $cb)))))
                  (local.set $cc (i32.const 0))
                  (block $cpairdone (loop $cpairloop
                    (br_if $cpairdone (i32.ge_u (local.get $cc) (local.get $cb)))
                  ;; this tap's 16-channel slice of dx at the group's first pixel
                  (local.set $xa (i32.add (i32.add (local.get $dxrow) (i32.mul (local.get $j) (local.get $cb))) (local.get $cc)))
                  (local.set $wq (i32.add (local.get $wtap) (local.get $cc)))
                  (local.set $d0 (i32.add (local.get $dpix) (i32.mul (i32.const 0) (local.get $ocb))))
                  (local.set $d1 (i32.add (local.get $dpix) (i32.mul (i32.const 1) (local.get $ocb))))
                  (local.set $g00 (v128.const i32x4 0 0 0 0))
                  (local.set $g01 (v128.const i32x4 0 0 0 0))
                  (local.set $g02 (v128.const i32x4 0 0 0 0))
                  (local.set $g03 (v128.const i32x4 0 0 0 0))
                  (local.set $g10 (v128.const i32x4 0 0 0 0))
                  (local.set $g11 (v128.const i32x4 0 0 0 0))
                  (local.set $g12 (v128.const i32x4 0 0 0 0))
                  (local.set $g13 (v128.const i32x4 0 0 0 0))
                  (local.set $k (local.get $cout))
                  (loop $kloop2
                    (local.set $w0 (v128.load (local.get $wq)))
                    (local.set $w1 (v128.load offset=16 (local.get $wq)))
                    (local.set $w2 (v128.load offset=32 (local.get $wq)))
                    (local.set $w3 (v128.load offset=48 (local.get $wq)))
                    (local.set $s (v128.load32_splat (local.get $d0)))
                    (local.set $g00 (f32x4.relaxed_madd (local.get $s) (local.get $w0) (local.get $g00)))
                    (local.set $g01 (f32x4.relaxed_madd (local.get $s) (local.get $w1) (local.get $g01)))
                    (local.set $g02 (f32x4.relaxed_madd (local.get $s) (local.get $w2) (local.get $g02)))
                    (local.set $g03 (f32x4.relaxed_madd (local.get $s) (local.get $w3) (local.get $g03)))
                    (local.set $s (v128.load32_splat (local.get $d1)))
                    (local.set $g10 (f32x4.relaxed_madd (local.get $s) (local.get $w0) (local.get $g10)))
                    (local.set $g11 (f32x4.relaxed_madd (local.get $s) (local.get $w1) (local.get $g11)))
                    (local.set $g12 (f32x4.relaxed_madd (local.get $s) (local.get $w2) (local.get $g12)))
                    (local.set $g13 (f32x4.relaxed_madd (local.get $s) (local.get $w3) (local.get $g13)))
                    (local.set $wq (i32.add (local.get $wq) (local.get $cb)))
                    (local.set $d0 (i32.add (local.get $d0) (i32.const 4)))
                    (local.set $d1 (i32.add (local.get $d1) (i32.const 4)))
                    (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                    (br_if $kloop2 (local.get $k)))
                  (v128.store offset=0 (local.get $xa) (f32x4.add (v128.load offset=0 (local.get $xa)) (local.get $g00)))
                  (v128.store offset=16 (local.get $xa) (f32x4.add (v128.load offset=16 (local.get $xa)) (local.get $g01)))
                  (v128.store offset=32 (local.get $xa) (f32x4.add (v128.load offset=32 (local.get $xa)) (local.get $g02)))
                  (v128.store offset=48 (local.get $xa) (f32x4.add (v128.load offset=48 (local.get $xa)) (local.get $g03)))
                  (v128.store offset=0 (i32.add (local.get $xa) (local.get $xstep)) (f32x4.add (v128.load offset=0 (i32.add (local.get $xa) (local.get $xstep))) (local.get $g10)))
                  (v128.store offset=16 (i32.add (local.get $xa) (local.get $xstep)) (f32x4.add (v128.load offset=16 (i32.add (local.get $xa) (local.get $xstep))) (local.get $g11)))
                  (v128.store offset=32 (i32.add (local.get $xa) (local.get $xstep)) (f32x4.add (v128.load offset=32 (i32.add (local.get $xa) (local.get $xstep))) (local.get $g12)))
                  (v128.store offset=48 (i32.add (local.get $xa) (local.get $xstep)) (f32x4.add (v128.load offset=48 (i32.add (local.get $xa) (local.get $xstep))) (local.get $g13)))
                    (local.set $cc (i32.add (local.get $cc) (i32.const 64)))
                    (br $cpairloop)))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br $jpairloop)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $ipairloop)))
              (local.set $q (i32.add (local.get $q) (i32.const 2)))
              (br $qpairloop)))
            ;; groups of 1 output pixel(s) q, q+1, ...
            (block $qonedone (loop $qoneloop
              (br_if $qonedone (i32.gt_u (i32.add (local.get $q) (i32.const 1)) (local.get $wo)))
              (local.set $dpix (i32.add (local.get $dyb) (i32.mul (i32.add (i32.mul (local.get $p) (local.get $wo)) (local.get $q)) (local.get $ocb))))
              (local.set $i (i32.const 0))
              (block $ionedone (loop $ioneloop
                (br_if $ionedone (i32.ge_u (local.get $i) (local.get $kh)))
                (local.set $j (i32.const 0))
                (block $jonedone (loop $joneloop
                  (br_if $jonedone (i32.ge_u (local.get $j) (local.get $kw)))
                  ;; dx row p*sh + i at column q*sw; the tap's rows of w^T
                  (local.set $dxrow (i32.add (local.get $dxb) (i32.mul
                    (i32.add (i32.mul (i32.add (i32.mul (local.get $p) (local.get $sh)) (local.get $i)) (local.get $wp)) (i32.mul (local.get $q) (local.get $sw)))
                    (local.get $cb))))
                  (local.set $wtap (i32.add (local.get $wt) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (i32.mul (local.get $cout) (local.get $cb)))))
                  (local.set $cc (i32.const 0))
                  (block $conedone (loop $coneloop
                    (br_if $conedone (i32.ge_u (local.get $cc) (local.get $cb)))
                  ;; this tap's 16-channel slice of dx at the group's first pixel
                  (local.set $xa (i32.add (i32.add (local.get $dxrow) (i32.mul (local.get $j) (local.get $cb))) (local.get $cc)))
                  (local.set $wq (i32.add (local.get $wtap) (local.get $cc)))
                  (local.set $d0 (i32.add (local.get $dpix) (i32.mul (i32.const 0) (local.get $ocb))))
                  (local.set $g00 (v128.const i32x4 0 0 0 0))
                  (local.set $g01 (v128.const i32x4 0 0 0 0))
                  (local.set $g02 (v128.const i32x4 0 0 0 0))
                  (local.set $g03 (v128.const i32x4 0 0 0 0))
                  (local.set $k (local.get $cout))
                  (loop $kloop1
                    (local.set $w0 (v128.load (local.get $wq)))
                    (local.set $w1 (v128.load offset=16 (local.get $wq)))
                    (local.set $w2 (v128.load offset=32 (local.get $wq)))
                    (local.set $w3 (v128.load offset=48 (local.get $wq)))
                    (local.set $s (v128.load32_splat (local.get $d0)))
                    (local.set $g00 (f32x4.relaxed_madd (local.get $s) (local.get $w0) (local.get $g00)))
                    (local.set $g01 (f32x4.relaxed_madd (local.get $s) (local.get $w1) (local.get $g01)))
                    (local.set $g02 (f32x4.relaxed_madd (local.get $s) (local.get $w2) (local.get $g02)))
                    (local.set $g03 (f32x4.relaxed_madd (local.get $s) (local.get $w3) (local.get $g03)))
                    (local.set $wq (i32.add (local.get $wq) (local.get $cb)))
                    (local.set $d0 (i32.add (local.get $d0) (i32.const 4)))
                    (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                    (br_if $kloop1 (local.get $k)))
                  (v128.store offset=0 (local.get $xa) (f32x4.add (v128.load offset=0 (local.get $xa)) (local.get $g00)))
                  (v128.store offset=16 (local.get $xa) (f32x4.add (v128.load offset=16 (local.get $xa)) (local.get $g01)))
                  (v128.store offset=32 (local.get $xa) (f32x4.add (v128.load offset=32 (local.get $xa)) (local.get $g02)))
                  (v128.store offset=48 (local.get $xa) (f32x4.add (v128.load offset=48 (local.get $xa)) (local.get $g03)))
                    (local.set $cc (i32.add (local.get $cc) (i32.const 64)))
                    (br $coneloop)))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br $joneloop)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $ioneloop)))
              (local.set $q (i32.add (local.get $q) (i32.const 1)))
              (br $qoneloop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ploop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop)))
  )

;; Forward convolution as a register-tiled product read in place, with the
;; bias and activation applied before the store:
;;   out[t, o] = act(sum over (i, j, c) of x[window(t) + (i, j, c)] * w[i, j, c, o] + bias[o])
;; t is an output pixel (b, p, q) counted over the whole batch, window(t) the
;; byte offset of x[b, p*sh, q*sw, 0] in the (already padded) input
;; [n, hp, wp, cin]; w is the filter as stored, [kh, kw, cin, cout]; out is
;; [n, ho, wo, cout]. flags: 1 adds bias, 2 applies relu (f32x4.max with 0,
;; so NaN stays NaN), 6 relu6. Needs cout % 8 == 0.
;; A tile of 4 pixels x 8 output channels lives in eight registers while the
;; sum runs over the window: for one filter row i, taps j and channels c are
;; kw*cin consecutive floats in both x and w, so the inner loop is one
;; stride. The pixels of a tile are consecutive in t, across rows and
;; samples, so only the range's last tile can be short (its missing pixels
;; repeat pixel 0 and are not stored). Pixels [t0, t1) are done in blocks of
;; `block`, each block for every 8 output channels in turn: the block's output
;; rows are finished while they are in cache and the 8 channels' column of w
;; is reused across the block. Two threads split by pixels.
  (func (export "convTiles")
    (param $x i32) (param $w i32) (param $bias i32) (param $out i32)
    (param $n i32) (param $hp i32) (param $wp i32) (param $cin i32)
    (param $ho i32) (param $wo i32) (param $cout i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (param $flags i32) (param $t0 i32) (param $t1 i32) (param $block i32)
    (local $cb i32) (local $ocb i32) (local $xstep i32) (local $xrowstep i32) (local $xsample i32)
    (local $qwrap i32) (local $pwrap i32) (local $rowlen i32) (local $rowskip i32) (local $plane i32)
    (local $o i32) (local $t i32) (local $cq i32) (local $cp i32) (local $cx i32) (local $b0 i32) (local $b1 i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $i i32) (local $xo i32) (local $end i32) (local $wq i32) (local $dst i32)
    (local $s v128) (local $w0 v128) (local $w1 v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128) (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $cb (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $ocb (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $xstep (i32.mul (local.get $sw) (local.get $cb)))
    (local.set $xrowstep (i32.mul (i32.mul (local.get $sh) (local.get $wp)) (local.get $cb)))
    (local.set $xsample (i32.mul (i32.mul (local.get $hp) (local.get $wp)) (local.get $cb)))
    (local.set $qwrap (i32.sub (local.get $xrowstep) (i32.mul (local.get $wo) (local.get $xstep))))
    (local.set $pwrap (i32.sub (local.get $xsample) (i32.mul (local.get $ho) (local.get $xrowstep))))
    (local.set $rowlen (i32.mul (local.get $kw) (local.get $cb)))
    (local.set $rowskip (i32.sub (i32.mul (local.get $wp) (local.get $cb)) (local.get $rowlen)))
    (local.set $plane (i32.mul (local.get $ho) (local.get $wo)))
    (local.set $b0 (local.get $t0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b0) (local.get $t1)))
      (local.set $b1 (select (local.get $t1) (i32.add (local.get $b0) (local.get $block))
        (i32.gt_u (i32.add (local.get $b0) (local.get $block)) (local.get $t1))))
    (local.set $o (i32.const 0))
    (block $odone (loop $oloop
      (br_if $odone (i32.ge_u (local.get $o) (local.get $ocb)))
      ;; the cursor: pixel t = (b, p, q) of the output, cx its window in x
      (local.set $t (local.get $b0))
      (local.set $cq (i32.rem_u (i32.rem_u (local.get $b0) (local.get $plane)) (local.get $wo)))
      (local.set $cp (i32.div_u (i32.rem_u (local.get $b0) (local.get $plane)) (local.get $wo)))
      (local.set $cx (i32.add (local.get $x) (i32.add (i32.add
        (i32.mul (i32.div_u (local.get $b0) (local.get $plane)) (local.get $xsample))
        (i32.mul (local.get $cp) (local.get $xrowstep))) (i32.mul (local.get $cq) (local.get $xstep)))))
      (block $tdone (loop $tloop
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $b1)))
        (local.set $x0 (local.get $cx))
        (local.set $cq (i32.add (local.get $cq) (i32.const 1)))
        (local.set $cx (i32.add (local.get $cx) (local.get $xstep)))
        (if (i32.eq (local.get $cq) (local.get $wo)) (then
          (local.set $cq (i32.const 0))
          (local.set $cp (i32.add (local.get $cp) (i32.const 1)))
          (local.set $cx (i32.add (local.get $cx) (local.get $qwrap)))
          (if (i32.eq (local.get $cp) (local.get $ho)) (then
            (local.set $cp (i32.const 0))
            (local.set $cx (i32.add (local.get $cx) (local.get $pwrap)))))))
        ;; pixel 1: the next one, or pixel 0 again past the range (computed, not stored)
        (local.set $x1 (select (local.get $cx) (local.get $x0) (i32.lt_u (i32.add (local.get $t) (i32.const 1)) (local.get $b1))))
        (local.set $cq (i32.add (local.get $cq) (i32.const 1)))
        (local.set $cx (i32.add (local.get $cx) (local.get $xstep)))
        (if (i32.eq (local.get $cq) (local.get $wo)) (then
          (local.set $cq (i32.const 0))
          (local.set $cp (i32.add (local.get $cp) (i32.const 1)))
          (local.set $cx (i32.add (local.get $cx) (local.get $qwrap)))
          (if (i32.eq (local.get $cp) (local.get $ho)) (then
            (local.set $cp (i32.const 0))
            (local.set $cx (i32.add (local.get $cx) (local.get $pwrap)))))))
        ;; pixel 2: the next one, or pixel 0 again past the range (computed, not stored)
        (local.set $x2 (select (local.get $cx) (local.get $x0) (i32.lt_u (i32.add (local.get $t) (i32.const 2)) (local.get $b1))))
        (local.set $cq (i32.add (local.get $cq) (i32.const 1)))
        (local.set $cx (i32.add (local.get $cx) (local.get $xstep)))
        (if (i32.eq (local.get $cq) (local.get $wo)) (then
          (local.set $cq (i32.const 0))
          (local.set $cp (i32.add (local.get $cp) (i32.const 1)))
          (local.set $cx (i32.add (local.get $cx) (local.get $qwrap)))
          (if (i32.eq (local.get $cp) (local.get $ho)) (then
            (local.set $cp (i32.const 0))
            (local.set $cx (i32.add (local.get $cx) (local.get $pwrap)))))))
        ;; pixel 3: the next one, or pixel 0 again past the range (computed, not stored)
        (local.set $x3 (select (local.get $cx) (local.get $x0) (i32.lt_u (i32.add (local.get $t) (i32.const 3)) (local.get $b1))))
        (local.set $cq (i32.add (local.get $cq) (i32.const 1)))
        (local.set $cx (i32.add (local.get $cx) (local.get $xstep)))
        (if (i32.eq (local.get $cq) (local.get $wo)) (then
          (local.set $cq (i32.const 0))
          (local.set $cp (i32.add (local.get $cp) (i32.const 1)))
          (local.set $cx (i32.add (local.get $cx) (local.get $qwrap)))
          (if (i32.eq (local.get $cp) (local.get $ho)) (then
            (local.set $cp (i32.const 0))
            (local.set $cx (i32.add (local.get $cx) (local.get $pwrap)))))))
        (local.set $a00 (v128.const i32x4 0 0 0 0))
        (local.set $a01 (v128.const i32x4 0 0 0 0))
        (local.set $a10 (v128.const i32x4 0 0 0 0))
        (local.set $a11 (v128.const i32x4 0 0 0 0))
        (local.set $a20 (v128.const i32x4 0 0 0 0))
        (local.set $a21 (v128.const i32x4 0 0 0 0))
        (local.set $a30 (v128.const i32x4 0 0 0 0))
        (local.set $a31 (v128.const i32x4 0 0 0 0))
        (local.set $wq (i32.add (local.get $w) (local.get $o)))
        (local.set $xo (i32.const 0))
        (local.set $i (local.get $kh))
        (loop $iloop
          (local.set $end (i32.add (local.get $xo) (local.get $rowlen)))
          (loop $kloop
            (local.set $w0 (v128.load (local.get $wq)))
            (local.set $w1 (v128.load offset=16 (local.get $wq)))
            (local.set $s (v128.load32_splat (i32.add (local.get $x0) (local.get $xo))))
            (local.set $a00 (f32x4.relaxed_madd (local.get $s) (local.get $w0) (local.get $a00)))
            (local.set $a01 (f32x4.relaxed_madd (local.get $s) (local.get $w1) (local.get $a01)))
            (local.set $s (v128.load32_splat (i32.add (local.get $x1) (local.get $xo))))
            (local.set $a10 (f32x4.relaxed_madd (local.get $s) (local.get $w0) (local.get $a10)))
            (local.set $a11 (f32x4.relaxed_madd (local.get $s) (local.get $w1) (local.get $a11)))
            (local.set $s (v128.load32_splat (i32.add (local.get $x2) (local.get $xo))))
            (local.set $a20 (f32x4.relaxed_madd (local.get $s) (local.get $w0) (local.get $a20)))
            (local.set $a21 (f32x4.relaxed_madd (local.get $s) (local.get $w1) (local.get $a21)))
            (local.set $s (v128.load32_splat (i32.add (local.get $x3) (local.get $xo))))
            (local.set $a30 (f32x4.relaxed_madd (local.get $s) (local.get $w0) (local.get $a30)))
            (local.set $a31 (f32x4.relaxed_madd (local.get $s) (local.get $w1) (local.get $a31)))
            (local.set $wq (i32.add (local.get $wq) (local.get $ocb)))
            (local.set $xo (i32.add (local.get $xo) (i32.const 4)))
            (br_if $kloop (i32.lt_u (local.get $xo) (local.get $end))))
          (local.set $xo (i32.add (local.get $xo) (local.get $rowskip)))
          (local.set $i (i32.sub (local.get $i) (i32.const 1)))
          (br_if $iloop (local.get $i)))
        (if (i32.and (local.get $flags) (i32.const 1)) (then
          (local.set $w0 (v128.load (i32.add (local.get $bias) (local.get $o))))
          (local.set $w1 (v128.load offset=16 (i32.add (local.get $bias) (local.get $o))))
          (local.set $a00 (f32x4.add (local.get $a00) (local.get $w0)))
          (local.set $a01 (f32x4.add (local.get $a01) (local.get $w1)))
          (local.set $a10 (f32x4.add (local.get $a10) (local.get $w0)))
          (local.set $a11 (f32x4.add (local.get $a11) (local.get $w1)))
          (local.set $a20 (f32x4.add (local.get $a20) (local.get $w0)))
          (local.set $a21 (f32x4.add (local.get $a21) (local.get $w1)))
          (local.set $a30 (f32x4.add (local.get $a30) (local.get $w0)))
          (local.set $a31 (f32x4.add (local.get $a31) (local.get $w1)))
        ))
        (if (i32.and (local.get $flags) (i32.const 6)) (then
          (local.set $a00 (f32x4.max (local.get $a00) (v128.const i32x4 0 0 0 0)))
          (local.set $a01 (f32x4.max (local.get $a01) (v128.const i32x4 0 0 0 0)))
          (local.set $a10 (f32x4.max (local.get $a10) (v128.const i32x4 0 0 0 0)))
          (local.set $a11 (f32x4.max (local.get $a11) (v128.const i32x4 0 0 0 0)))
          (local.set $a20 (f32x4.max (local.get $a20) (v128.const i32x4 0 0 0 0)))
          (local.set $a21 (f32x4.max (local.get $a21) (v128.const i32x4 0 0 0 0)))
          (local.set $a30 (f32x4.max (local.get $a30) (v128.const i32x4 0 0 0 0)))
          (local.set $a31 (f32x4.max (local.get $a31) (v128.const i32x4 0 0 0 0)))
          (if (i32.and (local.get $flags) (i32.const 4)) (then
            (local.set $a00 (f32x4.min (local.get $a00) (v128.const f32x4 6 6 6 6)))
            (local.set $a01 (f32x4.min (local.get $a01) (v128.const f32x4 6 6 6 6)))
            (local.set $a10 (f32x4.min (local.get $a10) (v128.const f32x4 6 6 6 6)))
            (local.set $a11 (f32x4.min (local.get $a11) (v128.const f32x4 6 6 6 6)))
            (local.set $a20 (f32x4.min (local.get $a20) (v128.const f32x4 6 6 6 6)))
            (local.set $a21 (f32x4.min (local.get $a21) (v128.const f32x4 6 6 6 6)))
            (local.set $a30 (f32x4.min (local.get $a30) (v128.const f32x4 6 6 6 6)))
            (local.set $a31 (f32x4.min (local.get $a31) (v128.const f32x4 6 6 6 6)))
          ))))
        (local.set $dst (i32.add (i32.add (local.get $out) (i32.mul (local.get $t) (local.get $ocb))) (local.get $o)))
        (v128.store offset=0 (local.get $dst) (local.get $a00)) (v128.store offset=16 (local.get $dst) (local.get $a01))
        (local.set $dst (i32.add (local.get $dst) (local.get $ocb)))
        (if (i32.lt_u (i32.add (local.get $t) (i32.const 1)) (local.get $b1)) (then (v128.store offset=0 (local.get $dst) (local.get $a10)) (v128.store offset=16 (local.get $dst) (local.get $a11))))
        (local.set $dst (i32.add (local.get $dst) (local.get $ocb)))
        (if (i32.lt_u (i32.add (local.get $t) (i32.const 2)) (local.get $b1)) (then (v128.store offset=0 (local.get $dst) (local.get $a20)) (v128.store offset=16 (local.get $dst) (local.get $a21))))
        (local.set $dst (i32.add (local.get $dst) (local.get $ocb)))
        (if (i32.lt_u (i32.add (local.get $t) (i32.const 3)) (local.get $b1)) (then (v128.store offset=0 (local.get $dst) (local.get $a30)) (v128.store offset=16 (local.get $dst) (local.get $a31))))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (br $tloop)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $oloop)))
      (local.set $b0 (local.get $b1))
      (br $bloop)))
  )

  ;; A 3x3, stride-1 convolution by Winograd's F(2x2, 3x3): each 2x2 block of
  ;; output pixels (a tile) is A^T [U (.) (B^T d B)] A, where d is the 4x4
  ;; input patch under the tile and U = G g G^T the filter transformed once
  ;; (by the caller, simd/ops.ts), so 16 products per channel pair give 4
  ;; outputs instead of 36: 2.25x fewer multiplies. The products are 16 matrix
  ;; products, one per point of the 4x4 transform, over the tiles' channels.
  ;;   x [n, h, w, cin] is read unpadded: output pixel (p, q) sees input rows
  ;;   p - top .. p - top + 2 (zero outside); u is [16, cin, cout]; out is
  ;;   [n, ho, wo, cout]. flags as in convTiles. Needs cin % 4 == 0 and
  ;;   cout % 8 == 0.
  ;; Tiles [t0, t1) (counted over the batch, row by row) are done `chunk` at a
  ;; time: the chunk's transformed inputs V [chunk][16][cin] and products M
  ;; [chunk][16][cout] live in `scratch` and stay in cache from one step to the
  ;; next (a tile's 16 points side by side: with the points outermost, their
  ;; rows were 4 KiB apart and fought over the same cache sets). The products keep 4 tiles x 8 channels in registers, as convTiles.
  ;; Two threads split by tiles, each with its own scratch.
  (func (export "winogradConv")
    (param $x i32) (param $u i32) (param $bias i32) (param $out i32)
    (param $h i32) (param $w i32) (param $cin i32) (param $ho i32) (param $wo i32) (param $cout i32)
    (param $top i32) (param $left i32) (param $flags i32) (param $t0 i32) (param $t1 i32)
    (param $scratch i32) (param $chunk i32)
    (local $cb i32) (local $ocb i32) (local $th i32) (local $tw i32) (local $plane i32)
    (local $v i32) (local $m i32) (local $c0 i32) (local $c1 i32) (local $tc i32) (local $t i32) (local $cc i32)
    (local $b i32) (local $r0 i32) (local $s0 i32) (local $src i32) (local $dst i32) (local $k i32) (local $o i32)
    (local $xi i32) (local $uq i32) (local $vq i32) (local $pa i32) (local $pb i32) (local $pc i32) (local $pd i32) (local $end i32) (local $y i32) (local $xx i32)
    (local $s v128) (local $w0 v128) (local $w1 v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128) (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local $d00 v128) (local $d01 v128) (local $d02 v128) (local $d03 v128) (local $d10 v128) (local $d11 v128) (local $d12 v128) (local $d13 v128) (local $d20 v128) (local $d21 v128) (local $d22 v128) (local $d23 v128) (local $d30 v128) (local $d31 v128) (local $d32 v128) (local $d33 v128)
    (local.set $cb (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $ocb (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $th (i32.shr_u (i32.add (local.get $ho) (i32.const 1)) (i32.const 1)))
    (local.set $tw (i32.shr_u (i32.add (local.get $wo) (i32.const 1)) (i32.const 1)))
    (local.set $plane (i32.mul (local.get $th) (local.get $tw)))
    ;; scratch: V [chunk][16][cin], then M [chunk][16][cout]
    (local.set $v (local.get $scratch))
    (local.set $m (i32.add (local.get $scratch) (i32.mul (i32.shl (local.get $chunk) (i32.const 4)) (local.get $cb))))
    (local.set $c0 (local.get $t0))
    (block $cdone (loop $cloop
      (br_if $cdone (i32.ge_u (local.get $c0) (local.get $t1)))
      (local.set $c1 (select (local.get $t1) (i32.add (local.get $c0) (local.get $chunk))
        (i32.gt_u (i32.add (local.get $c0) (local.get $chunk)) (local.get $t1))))
      ;; 1. V[xi][tc] = B^T d B for each tile's 4x4 input patch d (zero outside the input)
      (local.set $tc (i32.const 0))
      (block $itdone (loop $itloop
        (br_if $itdone (i32.ge_u (i32.add (local.get $c0) (local.get $tc)) (local.get $c1)))
        (local.set $t (i32.add (local.get $c0) (local.get $tc)))
        (local.set $b (i32.div_u (local.get $t) (local.get $plane)))
        (local.set $r0 (i32.sub (i32.shl (i32.div_u (i32.rem_u (local.get $t) (local.get $plane)) (local.get $tw)) (i32.const 1)) (local.get $top)))
        (local.set $s0 (i32.sub (i32.shl (i32.rem_u (i32.rem_u (local.get $t) (local.get $plane)) (local.get $tw)) (i32.const 1)) (local.get $left)))
        (local.set $cc (i32.const 0))
        (block $chdone (loop $chloop
          (br_if $chdone (i32.ge_u (local.get $cc) (local.get $cb)))
          (local.set $d00 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 0)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 0)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 0))) (local.get $w)) (i32.add (local.get $s0) (i32.const 0))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d01 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 0)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 1)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 0))) (local.get $w)) (i32.add (local.get $s0) (i32.const 1))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d02 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 0)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 2)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 0))) (local.get $w)) (i32.add (local.get $s0) (i32.const 2))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d03 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 0)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 3)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 0))) (local.get $w)) (i32.add (local.get $s0) (i32.const 3))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d10 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 1)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 0)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 1))) (local.get $w)) (i32.add (local.get $s0) (i32.const 0))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d11 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 1)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 1)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 1))) (local.get $w)) (i32.add (local.get $s0) (i32.const 1))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d12 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 1)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 2)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 1))) (local.get $w)) (i32.add (local.get $s0) (i32.const 2))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d13 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 1)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 3)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 1))) (local.get $w)) (i32.add (local.get $s0) (i32.const 3))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d20 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 2)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 0)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 2))) (local.get $w)) (i32.add (local.get $s0) (i32.const 0))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d21 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 2)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 1)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 2))) (local.get $w)) (i32.add (local.get $s0) (i32.const 1))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d22 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 2)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 2)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 2))) (local.get $w)) (i32.add (local.get $s0) (i32.const 2))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d23 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 2)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 3)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 2))) (local.get $w)) (i32.add (local.get $s0) (i32.const 3))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d30 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 3)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 0)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 3))) (local.get $w)) (i32.add (local.get $s0) (i32.const 0))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d31 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 3)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 1)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 3))) (local.get $w)) (i32.add (local.get $s0) (i32.const 1))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d32 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 3)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 2)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 3))) (local.get $w)) (i32.add (local.get $s0) (i32.const 2))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $d33 (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $r0) (i32.const 3)) (local.get $h)) (i32.lt_u (i32.add (local.get $s0) (i32.const 3)) (local.get $w))) (then (v128.load (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (local.get $r0) (i32.const 3))) (local.get $w)) (i32.add (local.get $s0) (i32.const 3))) (local.get $cb)) (local.get $cc))))) (else (v128.const i32x4 0 0 0 0))))
          ;; B^T d: rows 0-2, 1+2, 2-1, 1-3 (each column), then the same on columns
          (local.set $s (local.get $d00))
          (local.set $d00 (f32x4.sub (local.get $s) (local.get $d20)))
          (local.set $s (local.get $d10))
          (local.set $d10 (f32x4.add (local.get $s) (local.get $d20)))
          (local.set $d20 (f32x4.sub (local.get $d20) (local.get $s)))
          (local.set $d30 (f32x4.sub (local.get $s) (local.get $d30)))
          (local.set $s (local.get $d01))
          (local.set $d01 (f32x4.sub (local.get $s) (local.get $d21)))
          (local.set $s (local.get $d11))
          (local.set $d11 (f32x4.add (local.get $s) (local.get $d21)))
          (local.set $d21 (f32x4.sub (local.get $d21) (local.get $s)))
          (local.set $d31 (f32x4.sub (local.get $s) (local.get $d31)))
          (local.set $s (local.get $d02))
          (local.set $d02 (f32x4.sub (local.get $s) (local.get $d22)))
          (local.set $s (local.get $d12))
          (local.set $d12 (f32x4.add (local.get $s) (local.get $d22)))
          (local.set $d22 (f32x4.sub (local.get $d22) (local.get $s)))
          (local.set $d32 (f32x4.sub (local.get $s) (local.get $d32)))
          (local.set $s (local.get $d03))
          (local.set $d03 (f32x4.sub (local.get $s) (local.get $d23)))
          (local.set $s (local.get $d13))
          (local.set $d13 (f32x4.add (local.get $s) (local.get $d23)))
          (local.set $d23 (f32x4.sub (local.get $d23) (local.get $s)))
          (local.set $d33 (f32x4.sub (local.get $s) (local.get $d33)))
          (local.set $dst (i32.add (local.get $v) (i32.add (i32.mul (i32.shl (local.get $tc) (i32.const 4)) (local.get $cb)) (local.get $cc))))
          (local.set $k (local.get $cb))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 0))) (f32x4.sub (local.get $d00) (local.get $d02)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 1))) (f32x4.add (local.get $d01) (local.get $d02)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 2))) (f32x4.sub (local.get $d02) (local.get $d01)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 3))) (f32x4.sub (local.get $d01) (local.get $d03)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 4))) (f32x4.sub (local.get $d10) (local.get $d12)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 5))) (f32x4.add (local.get $d11) (local.get $d12)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 6))) (f32x4.sub (local.get $d12) (local.get $d11)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 7))) (f32x4.sub (local.get $d11) (local.get $d13)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 8))) (f32x4.sub (local.get $d20) (local.get $d22)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 9))) (f32x4.add (local.get $d21) (local.get $d22)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 10))) (f32x4.sub (local.get $d22) (local.get $d21)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 11))) (f32x4.sub (local.get $d21) (local.get $d23)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 12))) (f32x4.sub (local.get $d30) (local.get $d32)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 13))) (f32x4.add (local.get $d31) (local.get $d32)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 14))) (f32x4.sub (local.get $d32) (local.get $d31)))
          (v128.store (i32.add (local.get $dst) (i32.mul (local.get $k) (i32.const 15))) (f32x4.sub (local.get $d31) (local.get $d33)))
          (local.set $cc (i32.add (local.get $cc) (i32.const 16)))
          (br $chloop)))
        (local.set $tc (i32.add (local.get $tc) (i32.const 1)))
        (br $itloop)))
      ;; 2. M[xi] = V[xi] . U[xi] for each of the 16 points: 4 tiles x 8 channels in registers
      (local.set $end (i32.sub (local.get $c1) (local.get $c0)))
      (local.set $xi (i32.const 0))
      (block $xidone (loop $xiloop
        (br_if $xidone (i32.ge_u (local.get $xi) (i32.const 16)))
        (local.set $o (i32.const 0))
        (block $gdone (loop $gloop
          (br_if $gdone (i32.ge_u (local.get $o) (local.get $ocb)))
          (local.set $tc (i32.const 0))
          (block $tgdone (loop $tgloop
            (br_if $tgdone (i32.ge_u (local.get $tc) (local.get $end)))
            ;; V rows of tiles tc..tc+3 (past the chunk's end: tile tc again, not stored)
            (local.set $pa (i32.add (local.get $v) (i32.mul (i32.add (i32.shl (local.get $tc) (i32.const 4)) (local.get $xi)) (local.get $cb))))
            (local.set $pb (select (i32.add (local.get $pa) (i32.mul (local.get $cb) (i32.const 16))) (local.get $pa) (i32.lt_u (i32.add (local.get $tc) (i32.const 1)) (local.get $end))))
            (local.set $pc (select (i32.add (local.get $pa) (i32.mul (local.get $cb) (i32.const 32))) (local.get $pa) (i32.lt_u (i32.add (local.get $tc) (i32.const 2)) (local.get $end))))
            (local.set $pd (select (i32.add (local.get $pa) (i32.mul (local.get $cb) (i32.const 48))) (local.get $pa) (i32.lt_u (i32.add (local.get $tc) (i32.const 3)) (local.get $end))))
            (local.set $a00 (v128.const i32x4 0 0 0 0))
            (local.set $a01 (v128.const i32x4 0 0 0 0))
            (local.set $a10 (v128.const i32x4 0 0 0 0))
            (local.set $a11 (v128.const i32x4 0 0 0 0))
            (local.set $a20 (v128.const i32x4 0 0 0 0))
            (local.set $a21 (v128.const i32x4 0 0 0 0))
            (local.set $a30 (v128.const i32x4 0 0 0 0))
            (local.set $a31 (v128.const i32x4 0 0 0 0))
            (local.set $uq (i32.add (i32.add (local.get $u) (i32.mul (i32.mul (local.get $xi) (local.get $cin)) (local.get $ocb))) (local.get $o)))
            (local.set $vq (i32.const 0))
            (loop $kloop
              (local.set $w0 (v128.load (local.get $uq)))
              (local.set $w1 (v128.load offset=16 (local.get $uq)))
              (local.set $s (v128.load32_splat (i32.add (local.get $pa) (local.get $vq))))
              (local.set $a00 (f32x4.relaxed_madd (local.get $s) (local.get $w0) (local.get $a00)))
              (local.set $a01 (f32x4.relaxed_madd (local.get $s) (local.get $w1) (local.get $a01)))
              (local.set $s (v128.load32_splat (i32.add (local.get $pb) (local.get $vq))))
              (local.set $a10 (f32x4.relaxed_madd (local.get $s) (local.get $w0) (local.get $a10)))
              (local.set $a11 (f32x4.relaxed_madd (local.get $s) (local.get $w1) (local.get $a11)))
              (local.set $s (v128.load32_splat (i32.add (local.get $pc) (local.get $vq))))
              (local.set $a20 (f32x4.relaxed_madd (local.get $s) (local.get $w0) (local.get $a20)))
              (local.set $a21 (f32x4.relaxed_madd (local.get $s) (local.get $w1) (local.get $a21)))
              (local.set $s (v128.load32_splat (i32.add (local.get $pd) (local.get $vq))))
              (local.set $a30 (f32x4.relaxed_madd (local.get $s) (local.get $w0) (local.get $a30)))
              (local.set $a31 (f32x4.relaxed_madd (local.get $s) (local.get $w1) (local.get $a31)))
              (local.set $uq (i32.add (local.get $uq) (local.get $ocb)))
              (local.set $vq (i32.add (local.get $vq) (i32.const 4)))
              (br_if $kloop (i32.lt_u (local.get $vq) (local.get $cb))))
            (local.set $dst (i32.add (i32.add (local.get $m) (i32.mul (i32.add (i32.shl (local.get $tc) (i32.const 4)) (local.get $xi)) (local.get $ocb))) (local.get $o)))
            (v128.store (local.get $dst) (local.get $a00)) (v128.store offset=16 (local.get $dst) (local.get $a01))
            (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $ocb) (i32.const 4))))
            (if (i32.lt_u (i32.add (local.get $tc) (i32.const 1)) (local.get $end)) (then (v128.store (local.get $dst) (local.get $a10)) (v128.store offset=16 (local.get $dst) (local.get $a11))))
            (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $ocb) (i32.const 4))))
            (if (i32.lt_u (i32.add (local.get $tc) (i32.const 2)) (local.get $end)) (then (v128.store (local.get $dst) (local.get $a20)) (v128.store offset=16 (local.get $dst) (local.get $a21))))
            (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $ocb) (i32.const 4))))
            (if (i32.lt_u (i32.add (local.get $tc) (i32.const 3)) (local.get $end)) (then (v128.store (local.get $dst) (local.get $a30)) (v128.store offset=16 (local.get $dst) (local.get $a31))))
            (local.set $tc (i32.add (local.get $tc) (i32.const 4)))
            (br $tgloop)))
          (local.set $o (i32.add (local.get $o) (i32.const 32)))
          (br $gloop)))
        (local.set $xi (i32.add (local.get $xi) (i32.const 1)))
        (br $xiloop)))
      ;; 3. out = A^T m A + bias for each tile, the activation, and the 2x2 pixels inside the output
      (local.set $tc (i32.const 0))
      (block $otdone (loop $otloop
        (br_if $otdone (i32.ge_u (local.get $tc) (local.get $end)))
        (local.set $t (i32.add (local.get $c0) (local.get $tc)))
        (local.set $b (i32.div_u (local.get $t) (local.get $plane)))
        (local.set $y (i32.shl (i32.div_u (i32.rem_u (local.get $t) (local.get $plane)) (local.get $tw)) (i32.const 1)))
        (local.set $xx (i32.shl (i32.rem_u (i32.rem_u (local.get $t) (local.get $plane)) (local.get $tw)) (i32.const 1)))
        (local.set $src (i32.add (local.get $m) (i32.mul (i32.shl (local.get $tc) (i32.const 4)) (local.get $ocb))))
        (local.set $k (local.get $ocb))
        ;; pixel (y, xx) of sample b
        (local.set $dst (i32.add (local.get $out) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $ho)) (local.get $y)) (local.get $wo)) (local.get $xx)) (local.get $ocb))))
        (local.set $o (i32.const 0))
        (block $oodone (loop $ooloop
          (br_if $oodone (i32.ge_u (local.get $o) (local.get $ocb)))
          (local.set $d00 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 0)))))
          (local.set $d01 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 1)))))
          (local.set $d02 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 2)))))
          (local.set $d03 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 3)))))
          (local.set $d10 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 4)))))
          (local.set $d11 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 5)))))
          (local.set $d12 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 6)))))
          (local.set $d13 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 7)))))
          (local.set $d20 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 8)))))
          (local.set $d21 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 9)))))
          (local.set $d22 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 10)))))
          (local.set $d23 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 11)))))
          (local.set $d30 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 12)))))
          (local.set $d31 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 13)))))
          (local.set $d32 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 14)))))
          (local.set $d33 (v128.load (i32.add (i32.add (local.get $src) (local.get $o)) (i32.mul (local.get $k) (i32.const 15)))))
          (local.set $d00 (f32x4.add (f32x4.add (local.get $d00) (local.get $d10)) (local.get $d20)))
          (local.set $d10 (f32x4.sub (f32x4.sub (local.get $d10) (local.get $d20)) (local.get $d30)))
          (local.set $d01 (f32x4.add (f32x4.add (local.get $d01) (local.get $d11)) (local.get $d21)))
          (local.set $d11 (f32x4.sub (f32x4.sub (local.get $d11) (local.get $d21)) (local.get $d31)))
          (local.set $d02 (f32x4.add (f32x4.add (local.get $d02) (local.get $d12)) (local.get $d22)))
          (local.set $d12 (f32x4.sub (f32x4.sub (local.get $d12) (local.get $d22)) (local.get $d32)))
          (local.set $d03 (f32x4.add (f32x4.add (local.get $d03) (local.get $d13)) (local.get $d23)))
          (local.set $d13 (f32x4.sub (f32x4.sub (local.get $d13) (local.get $d23)) (local.get $d33)))
          (if (i32.and (local.get $flags) (i32.const 1)) (then (local.set $s (v128.load (i32.add (local.get $bias) (local.get $o)))))
            (else (local.set $s (v128.const i32x4 0 0 0 0))))
          (local.set $a00 (f32x4.add (f32x4.add (f32x4.add (local.get $d00) (local.get $d01)) (local.get $d02)) (local.get $s)))
          (local.set $a01 (f32x4.add (f32x4.sub (f32x4.sub (local.get $d01) (local.get $d02)) (local.get $d03)) (local.get $s)))
          (local.set $a10 (f32x4.add (f32x4.add (f32x4.add (local.get $d10) (local.get $d11)) (local.get $d12)) (local.get $s)))
          (local.set $a11 (f32x4.add (f32x4.sub (f32x4.sub (local.get $d11) (local.get $d12)) (local.get $d13)) (local.get $s)))
          (if (i32.and (local.get $flags) (i32.const 6)) (then
            (local.set $a00 (f32x4.max (local.get $a00) (v128.const i32x4 0 0 0 0)))
            (local.set $a01 (f32x4.max (local.get $a01) (v128.const i32x4 0 0 0 0)))
            (local.set $a10 (f32x4.max (local.get $a10) (v128.const i32x4 0 0 0 0)))
            (local.set $a11 (f32x4.max (local.get $a11) (v128.const i32x4 0 0 0 0)))
            (if (i32.and (local.get $flags) (i32.const 4)) (then
              (local.set $a00 (f32x4.min (local.get $a00) (v128.const f32x4 6 6 6 6)))
              (local.set $a01 (f32x4.min (local.get $a01) (v128.const f32x4 6 6 6 6)))
              (local.set $a10 (f32x4.min (local.get $a10) (v128.const f32x4 6 6 6 6)))
              (local.set $a11 (f32x4.min (local.get $a11) (v128.const f32x4 6 6 6 6)))
            ))))
          (v128.store (i32.add (local.get $dst) (local.get $o)) (local.get $a00))
          (if (i32.lt_u (i32.add (local.get $xx) (i32.const 1)) (local.get $wo)) (then
            (v128.store (i32.add (i32.add (local.get $dst) (local.get $o)) (local.get $ocb)) (local.get $a01))))
          (if (i32.lt_u (i32.add (local.get $y) (i32.const 1)) (local.get $ho)) (then
            (v128.store (i32.add (i32.add (local.get $dst) (local.get $o)) (i32.mul (local.get $wo) (local.get $ocb))) (local.get $a10))
            (if (i32.lt_u (i32.add (local.get $xx) (i32.const 1)) (local.get $wo)) (then
              (v128.store (i32.add (i32.add (i32.add (local.get $dst) (local.get $o)) (i32.mul (local.get $wo) (local.get $ocb))) (local.get $ocb)) (local.get $a11))))))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (br $ooloop)))
        (local.set $tc (i32.add (local.get $tc) (i32.const 1)))
        (br $otloop)))
      (local.set $c0 (local.get $c1))
      (br $cloop)))
  )

  ;; U = G g G^T for winogradConv, four output channels at a time: g is the
  ;; filter [3, 3, cin, cout], u is [16, cin, cout]; G = [[1, 0, 0],
  ;; [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]. Needs cout % 4 == 0.
  (func (export "winogradFilter")
    (param $g i32) (param $u i32) (param $cin i32) (param $cout i32)
    (local $ocb i32) (local $tap i32) (local $point i32) (local $c i32) (local $o i32) (local $src i32) (local $dst i32)
    (local $g00 v128) (local $g01 v128) (local $g02 v128) (local $g10 v128) (local $g11 v128) (local $g12 v128) (local $g20 v128) (local $g21 v128) (local $g22 v128)
    (local $r00 v128) (local $r01 v128) (local $r02 v128) (local $r10 v128) (local $r11 v128) (local $r12 v128) (local $r20 v128) (local $r21 v128) (local $r22 v128) (local $r30 v128) (local $r31 v128) (local $r32 v128)
    (local.set $ocb (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $tap (i32.mul (local.get $cin) (local.get $ocb)))
    (local.set $point (local.get $tap))
    (local.set $c (i32.const 0))
    (block $cdone (loop $cloop
      (br_if $cdone (i32.ge_u (local.get $c) (local.get $cin)))
      (local.set $o (i32.const 0))
      (block $odone (loop $oloop
        (br_if $odone (i32.ge_u (local.get $o) (local.get $ocb)))
        (local.set $src (i32.add (i32.add (local.get $g) (i32.mul (local.get $c) (local.get $ocb))) (local.get $o)))
        (local.set $g00 (v128.load (local.get $src)))
        (local.set $g01 (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 1)))))
        (local.set $g02 (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 2)))))
        (local.set $g10 (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 3)))))
        (local.set $g11 (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 4)))))
        (local.set $g12 (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 5)))))
        (local.set $g20 (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 6)))))
        (local.set $g21 (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 7)))))
        (local.set $g22 (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 8)))))
        ;; G g: rows g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2 of each column
        (local.set $r00 (local.get $g00))
        (local.set $r10 (f32x4.mul (f32x4.add (f32x4.add (local.get $g00) (local.get $g10)) (local.get $g20)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (local.set $r20 (f32x4.mul (f32x4.add (f32x4.sub (local.get $g00) (local.get $g10)) (local.get $g20)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (local.set $r30 (local.get $g20))
        (local.set $r01 (local.get $g01))
        (local.set $r11 (f32x4.mul (f32x4.add (f32x4.add (local.get $g01) (local.get $g11)) (local.get $g21)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (local.set $r21 (f32x4.mul (f32x4.add (f32x4.sub (local.get $g01) (local.get $g11)) (local.get $g21)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (local.set $r31 (local.get $g21))
        (local.set $r02 (local.get $g02))
        (local.set $r12 (f32x4.mul (f32x4.add (f32x4.add (local.get $g02) (local.get $g12)) (local.get $g22)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (local.set $r22 (f32x4.mul (f32x4.add (f32x4.sub (local.get $g02) (local.get $g12)) (local.get $g22)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (local.set $r32 (local.get $g22))
        ;; then the same on each row: the 16 points, point-major
        (local.set $dst (i32.add (i32.add (local.get $u) (i32.mul (local.get $c) (local.get $ocb))) (local.get $o)))
        (v128.store (local.get $dst) (local.get $r00))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 1))) (f32x4.mul (f32x4.add (f32x4.add (local.get $r00) (local.get $r01)) (local.get $r02)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 2))) (f32x4.mul (f32x4.add (f32x4.sub (local.get $r00) (local.get $r01)) (local.get $r02)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 3))) (local.get $r02))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 4))) (local.get $r10))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 5))) (f32x4.mul (f32x4.add (f32x4.add (local.get $r10) (local.get $r11)) (local.get $r12)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 6))) (f32x4.mul (f32x4.add (f32x4.sub (local.get $r10) (local.get $r11)) (local.get $r12)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 7))) (local.get $r12))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 8))) (local.get $r20))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 9))) (f32x4.mul (f32x4.add (f32x4.add (local.get $r20) (local.get $r21)) (local.get $r22)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 10))) (f32x4.mul (f32x4.add (f32x4.sub (local.get $r20) (local.get $r21)) (local.get $r22)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 11))) (local.get $r22))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 12))) (local.get $r30))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 13))) (f32x4.mul (f32x4.add (f32x4.add (local.get $r30) (local.get $r31)) (local.get $r32)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 14))) (f32x4.mul (f32x4.add (f32x4.sub (local.get $r30) (local.get $r31)) (local.get $r32)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $point) (i32.const 15))) (local.get $r32))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $oloop)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $cloop)))
  )

  ;; out[r, j] = x[r, j] (op) v[j] for a row-major [rows, cols] x: a bias add,
  ;; and the per-channel products and differences of batch normalization.
  ;; op: 0 x + v, 1 x * v, 2 x - v, 3 v - x. Needs cols % 4 == 0. The same
  ;; single float32 operation per element as the stock kernels, so results are
  ;; identical. The op is chosen per vector of 4: a branch the CPU predicts,
  ;; in a loop bound by memory.
  (func (export "rowVectorOp")
    (param $x i32) (param $v i32) (param $out i32) (param $rows i32) (param $cols i32) (param $op i32)
    (local $cb i32) (local $end i32) (local $j i32) (local $src i32) (local $dst i32) (local $a v128) (local $b v128)
    (local.set $cb (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $cb))))
    (local.set $src (local.get $x))
    (local.set $dst (local.get $out))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $src) (local.get $end)))
      (local.set $j (i32.const 0))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_u (local.get $j) (local.get $cb)))
        (local.set $a (v128.load (i32.add (local.get $src) (local.get $j))))
        (local.set $b (v128.load (i32.add (local.get $v) (local.get $j))))
        (v128.store (i32.add (local.get $dst) (local.get $j))
          (if (result v128) (i32.eqz (local.get $op))
            (then (f32x4.add (local.get $a) (local.get $b)))
            (else (if (result v128) (i32.eq (local.get $op) (i32.const 1))
              (then (f32x4.mul (local.get $a) (local.get $b)))
              (else (if (result v128) (i32.eq (local.get $op) (i32.const 2))
                (then (f32x4.sub (local.get $a) (local.get $b)))
                (else (f32x4.sub (local.get $b) (local.get $a)))))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $jloop)))
      (local.set $src (i32.add (local.get $src) (local.get $cb)))
      (local.set $dst (i32.add (local.get $dst) (local.get $cb)))
      (br $rloop)))
  )

  ;; One Adam step for one variable, fused: the same float32 operations in
  ;; the same order as tfjs's AdamOptimizer.applyGradients (each rounded to
  ;; float32, no fused multiply-add), so the results are bit-for-bit the
  ;; stock optimizer's:
  ;;   m' = m*beta1 + g*omb1            v' = v*beta2 + (g*g)*omb2
  ;;   w' = ((m'/omAcc1) / (sqrt(v'/omAcc2) + eps)) * negLr + w
  ;; omb = 1 - beta, omAcc = 1 - beta^t, negLr = -learningRate, all float32.
  ;; Four elements per step, then one at a time for the rest.
  (func (export "adamUpdate")
    (param $w i32) (param $m i32) (param $v i32) (param $g i32)
    (param $ow i32) (param $om i32) (param $ov i32) (param $n i32)
    (param $b1 f32) (param $omb1 f32) (param $b2 f32) (param $omb2 f32)
    (param $omAcc1 f32) (param $omAcc2 f32) (param $eps f32) (param $negLr f32)
    (local $i i32) (local $end4 i32) (local $end i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $i (i32.const 0))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $mv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $b1)))
        (f32x4.mul (local.get $gv) (f32x4.splat (local.get $omb1)))))
      (local.set $vv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $b2)))
        (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $omb2)))))
      (v128.store (i32.add (local.get $om) (local.get $i)) (local.get $mv))
      (v128.store (i32.add (local.get $ov) (local.get $i)) (local.get $vv))
      (v128.store (i32.add (local.get $ow) (local.get $i))
        (f32x4.add
          (f32x4.mul
            (f32x4.div
              (f32x4.div (local.get $mv) (f32x4.splat (local.get $omAcc1)))
              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (f32x4.splat (local.get $omAcc2))))
                         (f32x4.splat (local.get $eps))))
            (f32x4.splat (local.get $negLr)))
          (v128.load (i32.add (local.get $w) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vloop)))
    (block $sdone (loop $sloop
      (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
      (local.set $ms (f32.add
        (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
        (f32.mul (local.get $gs) (local.get $omb1))))
      (local.set $vs (f32.add
        (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
        (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $omb2))))
      (f32.store (i32.add (local.get $om) (local.get $i)) (local.get $ms))
      (f32.store (i32.add (local.get $ov) (local.get $i)) (local.get $vs))
      (f32.store (i32.add (local.get $ow) (local.get $i))
        (f32.add
          (f32.mul
            (f32.div
              (f32.div (local.get $ms) (local.get $omAcc1))
              (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $omAcc2))) (local.get $eps)))
            (local.get $negLr))
          (f32.load (i32.add (local.get $w) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sloop)))
  )

  ;; out[j] = sum over r of x[r, j] for a row-major [rows, cols] x: the bias
  ;; gradient of a conv layer (dy summed over batch, height and width).
  ;; Needs cols % 4 == 0. Blocks of up to 64 rows are summed in float32, and
  ;; the block sums in float64 (acc, 2*cols doubles of scratch), so the error
  ;; stays that of a 64-term float32 sum however many rows there are.
  (func (export "sumRows")
    (param $x i32) (param $rows i32) (param $cols i32) (param $out i32) (param $acc i32)
    (local $cb i32) (local $r i32) (local $stop i32) (local $j i32) (local $row i32) (local $blk v128)
    (local.set $cb (i32.shl (local.get $cols) (i32.const 2)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $cb) (i32.const 1)))
    (local.set $r (i32.const 0))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $stop (i32.add (local.get $r) (i32.const 64)))
      (if (i32.gt_u (local.get $stop) (local.get $rows)) (then (local.set $stop (local.get $rows))))
      ;; four columns at a time: their block sum in a register, then into acc
      (local.set $j (i32.const 0))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_u (local.get $j) (local.get $cb)))
        (local.set $row (i32.add (local.get $x) (i32.add (i32.mul (local.get $r) (local.get $cb)) (local.get $j))))
        (local.set $blk (v128.load (local.get $row)))
        (local.set $row (i32.add (local.get $row) (local.get $cb)))
        (block $bdone (loop $bloop
          (br_if $bdone (i32.ge_u (local.get $row)
            (i32.add (local.get $x) (i32.add (i32.mul (local.get $stop) (local.get $cb)) (local.get $j)))))
          (local.set $blk (f32x4.add (local.get $blk) (v128.load (local.get $row))))
          (local.set $row (i32.add (local.get $row) (local.get $cb)))
          (br $bloop)))
        (call $addBlock (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))) (local.get $blk))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $jloop)))
      (local.set $r (local.get $stop))
      (br $rloop)))
    ;; round once to float32
    (call $roundSums (local.get $acc) (local.get $out) (local.get $cols))
  )

  ;; dx of a convolution from its column form: cols[b, p, q, (i*kw + j)*cin + c]
  ;; holds sum over o of dy[b, p, q, o] * W[i, j, c, o] (a 1x1 convolution of
  ;; dy, done by XNNPACK), and every column is added back at the input pixel
  ;; it came from: dx[b, p*sh + i - top, q*sw + j - left, c] += cols[...]
  ;; (taps in the padding are skipped). dx is overwritten. Needs cin % 4 == 0.
  ;; Adding in (p, q, i, j) order gives each dx element its terms in a fixed
  ;; order, so the result is deterministic.
  (func (export "col2im")
    (param $cols i32) (param $dx i32)
    (param $n i32) (param $h i32) (param $w i32) (param $cin i32)
    (param $ho i32) (param $wo i32) (param $kh i32) (param $kw i32)
    (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $cb i32) (local $b i32) (local $p i32) (local $q i32) (local $i i32) (local $j i32)
    (local $y i32) (local $x i32) (local $src i32) (local $dst i32) (local $k i32) (local $img i32)
    (local.set $cb (i32.shl (local.get $cin) (i32.const 2)))
    (memory.fill (local.get $dx) (i32.const 0)
      (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $h)) (local.get $w)) (local.get $cb)))
    (local.set $src (local.get $cols))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $img (i32.add (local.get $dx) (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $h)) (local.get $w)) (local.get $cb))))
      (local.set $p (i32.const 0))
      (block $pdone (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $p) (local.get $ho)))
        (local.set $q (i32.const 0))
        (block $qdone (loop $qloop
          (br_if $qdone (i32.ge_u (local.get $q) (local.get $wo)))
          (local.set $i (i32.const 0))
          (block $idone (loop $iloop
            (br_if $idone (i32.ge_u (local.get $i) (local.get $kh)))
            (local.set $y (i32.sub (i32.add (i32.mul (local.get $p) (local.get $sh)) (local.get $i)) (local.get $top)))
            (local.set $j (i32.const 0))
            (block $jdone (loop $jloop
              (br_if $jdone (i32.ge_u (local.get $j) (local.get $kw)))
              (local.set $x (i32.sub (i32.add (i32.mul (local.get $q) (local.get $sw)) (local.get $j)) (local.get $left)))
              ;; unsigned compares also reject negative coordinates
              (if (i32.and (i32.lt_u (local.get $y) (local.get $h)) (i32.lt_u (local.get $x) (local.get $w)))
                (then
                  (local.set $dst (i32.add (local.get $img)
                    (i32.mul (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x)) (local.get $cb))))
                  (local.set $k (i32.const 0))
                  (block $kdone (loop $kloop
                    (br_if $kdone (i32.ge_u (local.get $k) (local.get $cb)))
                    (v128.store (i32.add (local.get $dst) (local.get $k))
                      (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $k)))
                                 (v128.load (i32.add (local.get $src) (local.get $k)))))
                    (local.set $k (i32.add (local.get $k) (i32.const 16)))
                    (br $kloop)))))
              (local.set $src (i32.add (local.get $src) (local.get $cb)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $jloop)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $iloop)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $qloop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ploop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop)))
  )

  ;; The relu gradient, dx = dy * step(x), as tfjs computes it (Step, then a
  ;; float32 multiply): step is 1 where x > 0, NaN where x is NaN, else 0, so
  ;; dy * 0 keeps its sign (-0) and an infinite dy gives NaN, exactly as stock.
  (func (export "reluGrad")
    (param $dy i32) (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $end i32) (local $xv v128) (local $xs f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $i (i32.const 0))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $xv (v128.load (i32.add (local.get $x) (local.get $i))))
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i)))
          ;; x itself where x is NaN (x != x), else 1 or 0
          (v128.bitselect (local.get $xv)
            (v128.and (f32x4.gt (local.get $xv) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1))
            (f32x4.ne (local.get $xv) (local.get $xv)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vloop)))
    (block $sdone (loop $sloop
      (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $xs (f32.load (i32.add (local.get $x) (local.get $i))))
      (f32.store (i32.add (local.get $out) (local.get $i))
        (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i)))
          (select (local.get $xs)
            (select (f32.const 1) (f32.const 0) (f32.gt (local.get $xs) (f32.const 0)))
            (f32.ne (local.get $xs) (local.get $xs)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sloop)))
  )

  ;; Batch normalization over rows of c channels (c % 4 == 0): out = (x - mean) * factor +
  ;; shift per channel, with factor = scale / sqrt(variance + eps) and shift = offset formed
  ;; once per channel by the caller; $params holds mean, factor and shift, c floats each.
  (func (export "batchNormRows")
    (param $x i32) (param $out i32) (param $rows i32) (param $c i32) (param $params i32)
    (local $cb i32) (local $end i32) (local $k i32) (local $mean i32) (local $factor i32) (local $shift i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $mean (local.get $params))
    (local.set $factor (i32.add (local.get $params) (local.get $cb)))
    (local.set $shift (i32.add (local.get $factor) (local.get $cb)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $cb))))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $k (i32.const 0))
      (block $kdone (loop $kloop
        (br_if $kdone (i32.ge_u (local.get $k) (local.get $cb)))
        (v128.store (i32.add (local.get $out) (local.get $k))
          (f32x4.add
            (f32x4.mul
              (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $mean) (local.get $k))))
              (v128.load (i32.add (local.get $factor) (local.get $k))))
            (v128.load (i32.add (local.get $shift) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $kloop)))
      (local.set $x (i32.add (local.get $x) (local.get $cb)))
      (local.set $out (i32.add (local.get $out) (local.get $cb)))
      (br $rloop)))
  )

  ;; Per-channel sums for batch normalization in training (batch-norm-training.ts), over
  ;; rows of c channels (c % 4 == 0). As in sumRows: blocks of 64 rows summed in float32
  ;; registers, blocks added into float64 accumulators ($acc, 8 bytes per sum: $addBlock),
  ;; each sum rounded once to float32 at the end ($roundSums). $mean holds c floats.
  ;;   sumSquaredDeviations: out[j] = sum (x - mean[j])^2 (the variance's numerator);
  ;;   gradientSums: out[j] = sum dy, out[c + j] = sum dy * (x - mean[j]) ($acc: 2c sums).
  (func $addBlock (param $acc i32) (param $blk v128)
    (v128.store (local.get $acc)
      (f64x2.add (v128.load (local.get $acc)) (f64x2.promote_low_f32x4 (local.get $blk))))
    (v128.store offset=16 (local.get $acc)
      (f64x2.add (v128.load offset=16 (local.get $acc))
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $blk) (local.get $blk)))))
  )
  (func $roundSums (param $acc i32) (param $out i32) (param $count i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (f32.store (local.get $out) (f32.demote_f64 (f64.load (local.get $acc))))
      (local.set $acc (i32.add (local.get $acc) (i32.const 8)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $next)))
  )
  (func (export "sumSquaredDeviations")
    (param $x i32) (param $rows i32) (param $c i32) (param $mean i32) (param $out i32) (param $acc i32)
    (local $cb i32) (local $r i32) (local $stop i32) (local $j i32) (local $at i32) (local $end i32)
    (local $m v128) (local $d v128) (local $blk v128)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $cb) (i32.const 1)))
    (local.set $r (i32.const 0))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $stop (i32.add (local.get $r) (i32.const 64)))
      (if (i32.gt_u (local.get $stop) (local.get $rows)) (then (local.set $stop (local.get $rows))))
      (local.set $j (i32.const 0))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_u (local.get $j) (local.get $cb)))
        (local.set $m (v128.load (i32.add (local.get $mean) (local.get $j))))
        (local.set $at (i32.add (local.get $x) (i32.add (i32.mul (local.get $r) (local.get $cb)) (local.get $j))))
        (local.set $end (i32.add (local.get $x) (i32.add (i32.mul (local.get $stop) (local.get $cb)) (local.get $j))))
        (local.set $blk (v128.const f32x4 0 0 0 0))
        (block $bdone (loop $bloop
          (br_if $bdone (i32.ge_u (local.get $at) (local.get $end)))
          (local.set $d (f32x4.sub (v128.load (local.get $at)) (local.get $m)))
          (local.set $blk (f32x4.add (local.get $blk) (f32x4.mul (local.get $d) (local.get $d))))
          (local.set $at (i32.add (local.get $at) (local.get $cb)))
          (br $bloop)))
        (call $addBlock (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))) (local.get $blk))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $jloop)))
      (local.set $r (local.get $stop))
      (br $rloop)))
    (call $roundSums (local.get $acc) (local.get $out) (local.get $c))
  )
  (func (export "gradientSums")
    (param $dy i32) (param $x i32) (param $rows i32) (param $c i32) (param $mean i32) (param $out i32) (param $acc i32)
    (local $cb i32) (local $r i32) (local $stop i32) (local $j i32) (local $at i32) (local $end i32)
    (local $m v128) (local $g v128) (local $sum v128) (local $dot v128)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $cb) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $stop (i32.add (local.get $r) (i32.const 64)))
      (if (i32.gt_u (local.get $stop) (local.get $rows)) (then (local.set $stop (local.get $rows))))
      (local.set $j (i32.const 0))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_u (local.get $j) (local.get $cb)))
        (local.set $m (v128.load (i32.add (local.get $mean) (local.get $j))))
        ;; $at walks x; dy is at the same offset from $dy
        (local.set $at (i32.add (i32.mul (local.get $r) (local.get $cb)) (local.get $j)))
        (local.set $end (i32.add (i32.mul (local.get $stop) (local.get $cb)) (local.get $j)))
        (local.set $sum (v128.const f32x4 0 0 0 0))
        (local.set $dot (v128.const f32x4 0 0 0 0))
        (block $bdone (loop $bloop
          (br_if $bdone (i32.ge_u (local.get $at) (local.get $end)))
          (local.set $g (v128.load (i32.add (local.get $dy) (local.get $at))))
          (local.set $sum (f32x4.add (local.get $sum) (local.get $g)))
          (local.set $dot (f32x4.add (local.get $dot)
            (f32x4.mul (local.get $g) (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $at))) (local.get $m)))))
          (local.set $at (i32.add (local.get $at) (local.get $cb)))
          (br $bloop)))
        (call $addBlock (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))) (local.get $sum))
        (call $addBlock (i32.add (local.get $acc) (i32.add (i32.shl (local.get $cb) (i32.const 1)) (i32.shl (local.get $j) (i32.const 1)))) (local.get $dot))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $jloop)))
      (local.set $r (local.get $stop))
      (br $rloop)))
    (call $roundSums (local.get $acc) (local.get $out) (i32.shl (local.get $c) (i32.const 1)))
  )

  ;; Batch normalization's input gradient in training, over rows of c channels (c % 4 == 0):
  ;; dx = dy * a + (x - mean) * b + shift per channel; $params holds mean, a, b and shift, c
  ;; floats each, formed once per channel by the caller from gradientSums.
  (func (export "batchNormGradRows")
    (param $dy i32) (param $x i32) (param $out i32) (param $rows i32) (param $c i32) (param $params i32)
    (local $cb i32) (local $end i32) (local $k i32) (local $mean i32) (local $a i32) (local $b i32) (local $shift i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $mean (local.get $params))
    (local.set $a (i32.add (local.get $mean) (local.get $cb)))
    (local.set $b (i32.add (local.get $a) (local.get $cb)))
    (local.set $shift (i32.add (local.get $b) (local.get $cb)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $cb))))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $k (i32.const 0))
      (block $kdone (loop $kloop
        (br_if $kdone (i32.ge_u (local.get $k) (local.get $cb)))
        (v128.store (i32.add (local.get $out) (local.get $k))
          (f32x4.add
            (f32x4.add
              (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $k))) (v128.load (i32.add (local.get $a) (local.get $k))))
              (f32x4.mul
                (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $mean) (local.get $k))))
                (v128.load (i32.add (local.get $b) (local.get $k)))))
            (v128.load (i32.add (local.get $shift) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $kloop)))
      (local.set $x (i32.add (local.get $x) (local.get $cb)))
      (local.set $dy (i32.add (local.get $dy) (local.get $cb)))
      (local.set $out (i32.add (local.get $out) (local.get $cb)))
      (br $rloop)))
  )

  ;; dst [n, h, w, c] = the window of src [n, hp, wp, c] whose first pixel is
  ;; (top, left): a padded grid cropped back to the image, one row of w*c
  ;; floats per copy. (The wasm backend's Slice reads a 4-D tensor back into
  ;; JS and copies it element by element: ~5 ms for one 28x28x16 gradient of
  ;; a batch of 32.)
  (func (export "cropRows")
    (param $src i32) (param $dst i32) (param $n i32) (param $hp i32) (param $wp i32) (param $c i32)
    (param $top i32) (param $left i32) (param $h i32) (param $w i32)
    (local $b i32) (local $y i32) (local $row i32) (local $from i32)
    (local.set $row (i32.shl (i32.mul (local.get $w) (local.get $c)) (i32.const 2)))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $y (i32.const 0))
      (block $ydone (loop $yloop
        (br_if $ydone (i32.ge_u (local.get $y) (local.get $h)))
        (local.set $from (i32.add (local.get $src) (i32.shl (i32.mul
          (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $hp)) (i32.add (local.get $y) (local.get $top))) (local.get $wp)) (local.get $left))
          (local.get $c)) (i32.const 2))))
        (memory.copy (local.get $dst) (local.get $from) (local.get $row))
        (local.set $dst (i32.add (local.get $dst) (local.get $row)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $yloop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop)))
  )

    ;; dst[j, i, k] = src[i, j, k] for src [a, m, b] (whole rows of b floats
  ;; move): NHWC -> HWNC and similar permutations that keep the last axis.
  (func (export "swapLeadingAxes")
    (param $src i32) (param $dst i32) (param $a i32) (param $m i32) (param $b i32)
    (local $i i32) (local $j i32) (local $row i32)
    (local.set $row (i32.shl (local.get $b) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $idone (loop $iloop
      (br_if $idone (i32.ge_u (local.get $i) (local.get $a)))
      (local.set $j (i32.const 0))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_u (local.get $j) (local.get $m)))
        (memory.copy
          (i32.add (local.get $dst) (i32.mul (i32.add (i32.mul (local.get $j) (local.get $a)) (local.get $i)) (local.get $row)))
          (i32.add (local.get $src) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $j)) (local.get $row)))
          (local.get $row))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jloop)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $iloop)))
  )

  ;; dst[k, j, i] = src[i, j, k] for src [a, m, b]: swaps the first and last
  ;; axes (NHWC -> CHWN), in 4x4 tiles transposed in registers. Needs
  ;; a % 4 == 0 and b % 4 == 0.
  (func (export "swapOuterAxes")
    (param $src i32) (param $dst i32) (param $a i32) (param $m i32) (param $b i32)
    (local $i i32) (local $j i32) (local $k i32) (local $ra i32) (local $rb i32) (local $s i32) (local $d i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    ;; byte strides: one step of i in src, one step of k in dst
    (local.set $ra (i32.shl (i32.mul (local.get $m) (local.get $b)) (i32.const 2)))
    (local.set $rb (i32.shl (i32.mul (local.get $m) (local.get $a)) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $jdone (loop $jloop
      (br_if $jdone (i32.ge_u (local.get $j) (local.get $m)))
      (local.set $i (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $a)))
        (local.set $k (i32.const 0))
        (block $kdone (loop $kloop
          (br_if $kdone (i32.ge_u (local.get $k) (local.get $b)))
          ;; src rows i..i+3 at column block k..k+3
          (local.set $s (i32.add (local.get $src) (i32.shl
            (i32.add (i32.mul (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $j)) (local.get $b)) (local.get $k))
            (i32.const 2))))
          (local.set $r0 (v128.load (local.get $s)))
          (local.set $r1 (v128.load (i32.add (local.get $s) (local.get $ra))))
          (local.set $r2 (v128.load (i32.add (local.get $s) (i32.shl (local.get $ra) (i32.const 1)))))
          (local.set $r3 (v128.load (i32.add (local.get $s) (i32.mul (local.get $ra) (i32.const 3)))))
          (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
          (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
          (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
          (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
          ;; dst rows k..k+3 at column block i..i+3
          (local.set $d (i32.add (local.get $dst) (i32.shl
            (i32.add (i32.mul (i32.add (i32.mul (local.get $k) (local.get $m)) (local.get $j)) (local.get $a)) (local.get $i))
            (i32.const 2))))
          (v128.store (local.get $d)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
          (v128.store (i32.add (local.get $d) (local.get $rb))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
          (v128.store (i32.add (local.get $d) (i32.shl (local.get $rb) (i32.const 1)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
          (v128.store (i32.add (local.get $d) (i32.mul (local.get $rb) (i32.const 3)))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3)))
          (local.set $k (i32.add (local.get $k) (i32.const 4)))
          (br $kloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $iloop)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $jloop)))
  )

  ;; 1 if f32x4.relaxed_madd fuses here (one rounding), else 0; called with
  ;; a = 1 + 2^-12 and c = -(1 + 2^-11): a*a = 1 + 2^-11 + 2^-24 needs more
  ;; bits than float32 has, so a fused a*a + c is 2^-24 and an unfused one 0.
  ;; Parameters rather than constants, so no compiler can fold it away.
  (func (export "maddFuses") (param $a f32) (param $c f32) (result i32)
    (f32.ne (f32x4.extract_lane 0
      (f32x4.relaxed_madd (f32x4.splat (local.get $a)) (f32x4.splat (local.get $a)) (f32x4.splat (local.get $c))))
      (f32.const 0))
  )

  ;; The machine's ceiling for these kernels (src/bench/ceiling.ts): $n
  ;; rounds of ten independent multiply-adds on registers only, the
  ;; instruction mix of the tile loops without their loads. Ten chains keep
  ;; the multiply-add units busy through their latency and leave registers to
  ;; spare (twelve spilled on x64). Returns a lane of the sum so the work is
  ;; not dead. 80 floating-point operations per round.
  (func (export "ceiling") (param $n i32) (result f32)
    (local $y v128) (local $x0 v128) (local $x1 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128)
    (local $a5 v128) (local $a6 v128) (local $a7 v128) (local $a8 v128) (local $a9 v128)
    (local.set $y (f32x4.splat (f32.convert_i32_u (local.get $n))))
    (local.set $x0 (v128.const f32x4 0.5 0.25 0.125 0.0625))
    (local.set $x1 (v128.const f32x4 -0.5 -0.25 -0.125 -0.0625))
    (block $done (loop $round
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $a0 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $a0)))
      (local.set $a1 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $a1)))
      (local.set $a2 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $a2)))
      (local.set $a3 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $a3)))
      (local.set $a4 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $a4)))
      (local.set $a5 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $a5)))
      (local.set $a6 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $a6)))
      (local.set $a7 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $a7)))
      (local.set $a8 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $a8)))
      (local.set $a9 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $a9)))
      ;; a new multiplier every round, so no product is loop-invariant
      (local.set $y (f32x4.sub (local.get $y) (local.get $x0)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $round)))
    (f32x4.extract_lane 0 (f32x4.add (f32x4.add (f32x4.add (f32x4.add (local.get $a0) (local.get $a1))
      (f32x4.add (local.get $a2) (local.get $a3))) (f32x4.add (f32x4.add (local.get $a4) (local.get $a5))
      (f32x4.add (local.get $a6) (local.get $a7)))) (f32x4.add (local.get $a8) (local.get $a9))))
  )
)
