;; Kernels for the layer kinds beyond conv2d, pooling and dense, in WebAssembly SIMD, on the
;; tfjs wasm backend's own heap (every pointer is a tensor's byte offset there, as in
;; src/backend/simd/kernels.wat; layer-simd.ts checks shapes before any pointer is used).
;; The build makes a second copy whose memory is not `shared`, for the single-threaded tfjs
;; build. tfjs-backend-wasm 4.22 has no kernel for the depthwise gradients, and copies slices
;; and concatenations one short row at a time.
;;
;; Depthwise gradients, depth multiplier 1: x and dx [n, h, w, c], dy [n, ho, wo, c], filter
;; [kh, kw, c]; float32. Output position (p, q) reads input pixel (p*sh + i*dh - top,
;; q*sw + j*dw - left) for filter tap (i, j); pixels outside the image are the padding and
;; read zeros. Any stride, dilation and padding; any c (16 channels per pass in four
;; registers, then 4, then one at a time). The same sums as JS loops, four channels per
;; instruction. Loops run sample by sample and tap by tap, so one sample's x, dx and dy stay
;; in cache while all taps pass over them.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; The first output index whose tap at offset `off` (i*d - pad) lands at or after row 0:
  ;; max(0, ceil(-off / s)).
  (func $first (param $off i32) (param $s i32) (result i32)
    (if (result i32) (i32.ge_s (local.get $off) (i32.const 0))
      (then (i32.const 0))
      (else (i32.div_u (i32.add (i32.sub (i32.const 0) (local.get $off)) (i32.sub (local.get $s) (i32.const 1)))
                       (local.get $s)))))

  ;; One past the last output index whose tap lands before row `size`:
  ;; min(outSize, floor((size - 1 - off) / s) + 1), or 0 when there is none.
  (func $end (param $off i32) (param $s i32) (param $size i32) (param $outSize i32) (result i32)
    (local $t i32)
    (local.set $t (i32.sub (i32.sub (local.get $size) (i32.const 1)) (local.get $off)))
    (if (result i32) (i32.lt_s (local.get $t) (i32.const 0))
      (then (i32.const 0))
      (else
        (local.set $t (i32.add (i32.div_u (local.get $t) (local.get $s)) (i32.const 1)))
        (select (local.get $t) (local.get $outSize) (i32.lt_u (local.get $t) (local.get $outSize))))))

  ;; out[i, j, k] = sum over b, p, q of x[b, p*sh + i*dh - top, q*sw + j*dw - left, k] * dy[b, p, q, k]
  ;; Each sample's sum per tap runs in float32 registers (positions in row-major order) and is
  ;; added to out, which starts at zero.
  (func (export "depthwiseFilterGrad")
    (param $x i32) (param $dy i32) (param $out i32)
    (param $n i32) (param $h i32) (param $w i32) (param $c i32) (param $ho i32) (param $wo i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
    (param $top i32) (param $left i32)
    (local $cb i32) (local $xstep i32) (local $xs i32) (local $ds i32) (local $tap i32)
    (local $b i32) (local $i i32) (local $j i32) (local $p i32) (local $q i32) (local $k i32)
    (local $roff i32) (local $coff i32) (local $p0 i32) (local $p1 i32) (local $q0 i32) (local $q1 i32)
    (local $xa i32) (local $da i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $xstep (i32.mul (local.get $sw) (local.get $cb)))
    (memory.fill (local.get $out) (i32.const 0) (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $cb)))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $xs (i32.add (local.get $x) (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $h)) (local.get $w)) (local.get $cb))))
      (local.set $ds (i32.add (local.get $dy) (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $ho)) (local.get $wo)) (local.get $cb))))
      (local.set $i (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $kh)))
        (local.set $roff (i32.sub (i32.mul (local.get $i) (local.get $dh)) (local.get $top)))
        (local.set $p0 (call $first (local.get $roff) (local.get $sh)))
        (local.set $p1 (call $end (local.get $roff) (local.get $sh) (local.get $h) (local.get $ho)))
        (local.set $j (i32.const 0))
        (block $jdone (loop $jloop
          (br_if $jdone (i32.ge_u (local.get $j) (local.get $kw)))
          (local.set $coff (i32.sub (i32.mul (local.get $j) (local.get $dw)) (local.get $left)))
          (local.set $q0 (call $first (local.get $coff) (local.get $sw)))
          (local.set $q1 (call $end (local.get $coff) (local.get $sw) (local.get $w) (local.get $wo)))
          (local.set $tap (i32.add (local.get $out)
            (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (local.get $cb))))
          (local.set $k (i32.const 0))
          ;; 16 channels at a time
          (block $k16done (loop $k16loop
            (br_if $k16done (i32.gt_u (i32.add (local.get $k) (i32.const 64)) (local.get $cb)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $p (local.get $p0))
            (block $pdone (loop $ploop
              (br_if $pdone (i32.ge_s (local.get $p) (local.get $p1)))
              (local.set $xa (i32.add (i32.add (local.get $xs) (local.get $k)) (i32.mul (local.get $cb)
                (i32.add (i32.mul (i32.add (i32.mul (local.get $p) (local.get $sh)) (local.get $roff)) (local.get $w))
                         (i32.add (i32.mul (local.get $q0) (local.get $sw)) (local.get $coff))))))
              (local.set $da (i32.add (i32.add (local.get $ds) (local.get $k))
                (i32.mul (i32.add (i32.mul (local.get $p) (local.get $wo)) (local.get $q0)) (local.get $cb))))
              (local.set $q (local.get $q0))
              (block $qdone (loop $qloop
                (br_if $qdone (i32.ge_s (local.get $q) (local.get $q1)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $xa)) (v128.load (local.get $da)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $xa)) (v128.load offset=16 (local.get $da)))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $xa)) (v128.load offset=32 (local.get $da)))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $xa)) (v128.load offset=48 (local.get $da)))))
                (local.set $xa (i32.add (local.get $xa) (local.get $xstep)))
                (local.set $da (i32.add (local.get $da) (local.get $cb)))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qloop)))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $ploop)))
            (local.set $xa (i32.add (local.get $tap) (local.get $k)))
            (v128.store (local.get $xa) (f32x4.add (v128.load (local.get $xa)) (local.get $a0)))
            (v128.store offset=16 (local.get $xa) (f32x4.add (v128.load offset=16 (local.get $xa)) (local.get $a1)))
            (v128.store offset=32 (local.get $xa) (f32x4.add (v128.load offset=32 (local.get $xa)) (local.get $a2)))
            (v128.store offset=48 (local.get $xa) (f32x4.add (v128.load offset=48 (local.get $xa)) (local.get $a3)))
            (local.set $k (i32.add (local.get $k) (i32.const 64)))
            (br $k16loop)))
          ;; 4 channels at a time
          (block $k4done (loop $k4loop
            (br_if $k4done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $cb)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $p (local.get $p0))
            (block $pdone (loop $ploop
              (br_if $pdone (i32.ge_s (local.get $p) (local.get $p1)))
              (local.set $xa (i32.add (i32.add (local.get $xs) (local.get $k)) (i32.mul (local.get $cb)
                (i32.add (i32.mul (i32.add (i32.mul (local.get $p) (local.get $sh)) (local.get $roff)) (local.get $w))
                         (i32.add (i32.mul (local.get $q0) (local.get $sw)) (local.get $coff))))))
              (local.set $da (i32.add (i32.add (local.get $ds) (local.get $k))
                (i32.mul (i32.add (i32.mul (local.get $p) (local.get $wo)) (local.get $q0)) (local.get $cb))))
              (local.set $q (local.get $q0))
              (block $qdone (loop $qloop
                (br_if $qdone (i32.ge_s (local.get $q) (local.get $q1)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $xa)) (v128.load (local.get $da)))))
                (local.set $xa (i32.add (local.get $xa) (local.get $xstep)))
                (local.set $da (i32.add (local.get $da) (local.get $cb)))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qloop)))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $ploop)))
            (local.set $xa (i32.add (local.get $tap) (local.get $k)))
            (v128.store (local.get $xa) (f32x4.add (v128.load (local.get $xa)) (local.get $a0)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $k4loop)))
          ;; the last c % 4 channels, one at a time
          (block $k1done (loop $k1loop
            (br_if $k1done (i32.ge_u (local.get $k) (local.get $cb)))
            (local.set $s (f32.const 0))
            (local.set $p (local.get $p0))
            (block $pdone (loop $ploop
              (br_if $pdone (i32.ge_s (local.get $p) (local.get $p1)))
              (local.set $xa (i32.add (i32.add (local.get $xs) (local.get $k)) (i32.mul (local.get $cb)
                (i32.add (i32.mul (i32.add (i32.mul (local.get $p) (local.get $sh)) (local.get $roff)) (local.get $w))
                         (i32.add (i32.mul (local.get $q0) (local.get $sw)) (local.get $coff))))))
              (local.set $da (i32.add (i32.add (local.get $ds) (local.get $k))
                (i32.mul (i32.add (i32.mul (local.get $p) (local.get $wo)) (local.get $q0)) (local.get $cb))))
              (local.set $q (local.get $q0))
              (block $qdone (loop $qloop
                (br_if $qdone (i32.ge_s (local.get $q) (local.get $q1)))
                (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $xa)) (f32.load (local.get $da)))))
                (local.set $xa (i32.add (local.get $xa) (local.get $xstep)))
                (local.set $da (i32.add (local.get $da) (local.get $cb)))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qloop)))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $ploop)))
            (local.set $xa (i32.add (local.get $tap) (local.get $k)))
            (f32.store (local.get $xa) (f32.add (f32.load (local.get $xa)) (local.get $s)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $k1loop)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop))))

  ;; dx[b, r, s, k] = sum of dy[b, p, q, k] * f[i, j, k] over the taps (i, j) and output
  ;; positions (p, q) that read input pixel (r, s): each tap adds dy times its weights onto
  ;; the pixels it read, so strides and dilation need no special case. dx starts at zero.
  (func (export "depthwiseInputGrad")
    (param $dy i32) (param $f i32) (param $dx i32)
    (param $n i32) (param $h i32) (param $w i32) (param $c i32) (param $ho i32) (param $wo i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
    (param $top i32) (param $left i32)
    (local $cb i32) (local $xstep i32) (local $xs i32) (local $ds i32) (local $tap i32)
    (local $b i32) (local $i i32) (local $j i32) (local $p i32) (local $q i32) (local $k i32)
    (local $roff i32) (local $coff i32) (local $p0 i32) (local $p1 i32) (local $q0 i32) (local $q1 i32)
    (local $xa i32) (local $da i32)
    (local $f0 v128) (local $f1 v128) (local $f2 v128) (local $f3 v128) (local $s f32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $xstep (i32.mul (local.get $sw) (local.get $cb)))
    (memory.fill (local.get $dx) (i32.const 0)
      (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $h)) (local.get $w)) (local.get $cb)))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $xs (i32.add (local.get $dx) (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $h)) (local.get $w)) (local.get $cb))))
      (local.set $ds (i32.add (local.get $dy) (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $ho)) (local.get $wo)) (local.get $cb))))
      (local.set $i (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $kh)))
        (local.set $roff (i32.sub (i32.mul (local.get $i) (local.get $dh)) (local.get $top)))
        (local.set $p0 (call $first (local.get $roff) (local.get $sh)))
        (local.set $p1 (call $end (local.get $roff) (local.get $sh) (local.get $h) (local.get $ho)))
        (local.set $j (i32.const 0))
        (block $jdone (loop $jloop
          (br_if $jdone (i32.ge_u (local.get $j) (local.get $kw)))
          (local.set $coff (i32.sub (i32.mul (local.get $j) (local.get $dw)) (local.get $left)))
          (local.set $q0 (call $first (local.get $coff) (local.get $sw)))
          (local.set $q1 (call $end (local.get $coff) (local.get $sw) (local.get $w) (local.get $wo)))
          (local.set $tap (i32.add (local.get $f)
            (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (local.get $cb))))
          (local.set $k (i32.const 0))
          ;; 16 channels at a time: this tap's 16 weights stay in four registers
          (block $k16done (loop $k16loop
            (br_if $k16done (i32.gt_u (i32.add (local.get $k) (i32.const 64)) (local.get $cb)))
            (local.set $xa (i32.add (local.get $tap) (local.get $k)))
            (local.set $f0 (v128.load (local.get $xa)))
            (local.set $f1 (v128.load offset=16 (local.get $xa)))
            (local.set $f2 (v128.load offset=32 (local.get $xa)))
            (local.set $f3 (v128.load offset=48 (local.get $xa)))
            (local.set $p (local.get $p0))
            (block $pdone (loop $ploop
              (br_if $pdone (i32.ge_s (local.get $p) (local.get $p1)))
              (local.set $xa (i32.add (i32.add (local.get $xs) (local.get $k)) (i32.mul (local.get $cb)
                (i32.add (i32.mul (i32.add (i32.mul (local.get $p) (local.get $sh)) (local.get $roff)) (local.get $w))
                         (i32.add (i32.mul (local.get $q0) (local.get $sw)) (local.get $coff))))))
              (local.set $da (i32.add (i32.add (local.get $ds) (local.get $k))
                (i32.mul (i32.add (i32.mul (local.get $p) (local.get $wo)) (local.get $q0)) (local.get $cb))))
              (local.set $q (local.get $q0))
              (block $qdone (loop $qloop
                (br_if $qdone (i32.ge_s (local.get $q) (local.get $q1)))
                (v128.store (local.get $xa) (f32x4.add (v128.load (local.get $xa)) (f32x4.mul (v128.load (local.get $da)) (local.get $f0))))
                (v128.store offset=16 (local.get $xa) (f32x4.add (v128.load offset=16 (local.get $xa)) (f32x4.mul (v128.load offset=16 (local.get $da)) (local.get $f1))))
                (v128.store offset=32 (local.get $xa) (f32x4.add (v128.load offset=32 (local.get $xa)) (f32x4.mul (v128.load offset=32 (local.get $da)) (local.get $f2))))
                (v128.store offset=48 (local.get $xa) (f32x4.add (v128.load offset=48 (local.get $xa)) (f32x4.mul (v128.load offset=48 (local.get $da)) (local.get $f3))))
                (local.set $xa (i32.add (local.get $xa) (local.get $xstep)))
                (local.set $da (i32.add (local.get $da) (local.get $cb)))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qloop)))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $ploop)))
            (local.set $k (i32.add (local.get $k) (i32.const 64)))
            (br $k16loop)))
          ;; 4 channels at a time
          (block $k4done (loop $k4loop
            (br_if $k4done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $cb)))
            (local.set $f0 (v128.load (i32.add (local.get $tap) (local.get $k))))
            (local.set $p (local.get $p0))
            (block $pdone (loop $ploop
              (br_if $pdone (i32.ge_s (local.get $p) (local.get $p1)))
              (local.set $xa (i32.add (i32.add (local.get $xs) (local.get $k)) (i32.mul (local.get $cb)
                (i32.add (i32.mul (i32.add (i32.mul (local.get $p) (local.get $sh)) (local.get $roff)) (local.get $w))
                         (i32.add (i32.mul (local.get $q0) (local.get $sw)) (local.get $coff))))))
              (local.set $da (i32.add (i32.add (local.get $ds) (local.get $k))
                (i32.mul (i32.add (i32.mul (local.get $p) (local.get $wo)) (local.get $q0)) (local.get $cb))))
              (local.set $q (local.get $q0))
              (block $qdone (loop $qloop
                (br_if $qdone (i32.ge_s (local.get $q) (local.get $q1)))
                (v128.store (local.get $xa) (f32x4.add (v128.load (local.get $xa)) (f32x4.mul (v128.load (local.get $da)) (local.get $f0))))
                (local.set $xa (i32.add (local.get $xa) (local.get $xstep)))
                (local.set $da (i32.add (local.get $da) (local.get $cb)))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qloop)))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $ploop)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $k4loop)))
          ;; the last c % 4 channels, one at a time
          (block $k1done (loop $k1loop
            (br_if $k1done (i32.ge_u (local.get $k) (local.get $cb)))
            (local.set $s (f32.load (i32.add (local.get $tap) (local.get $k))))
            (local.set $p (local.get $p0))
            (block $pdone (loop $ploop
              (br_if $pdone (i32.ge_s (local.get $p) (local.get $p1)))
              (local.set $xa (i32.add (i32.add (local.get $xs) (local.get $k)) (i32.mul (local.get $cb)
                (i32.add (i32.mul (i32.add (i32.mul (local.get $p) (local.get $sh)) (local.get $roff)) (local.get $w))
                         (i32.add (i32.mul (local.get $q0) (local.get $sw)) (local.get $coff))))))
              (local.set $da (i32.add (i32.add (local.get $ds) (local.get $k))
                (i32.mul (i32.add (i32.mul (local.get $p) (local.get $wo)) (local.get $q0)) (local.get $cb))))
              (local.set $q (local.get $q0))
              (block $qdone (loop $qloop
                (br_if $qdone (i32.ge_s (local.get $q) (local.get $q1)))
                (f32.store (local.get $xa) (f32.add (f32.load (local.get $xa)) (f32.mul (f32.load (local.get $da)) (local.get $s))))
                (local.set $xa (i32.add (local.get $xa) (local.get $xstep)))
                (local.set $da (i32.add (local.get $da) (local.get $cb)))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qloop)))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $ploop)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $k1loop)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop))))

  ;; Copies `count` runs of `run` bytes: run r from src + r*srcStride to dst + r*dstStride.
  ;; One bulk copy per run; Slice and Concat (copies.ts) are strided copies of this kind.
  (func (export "copyRuns")
    (param $src i32) (param $dst i32) (param $count i32) (param $run i32) (param $srcStride i32) (param $dstStride i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $count)))
      (memory.copy (local.get $dst) (local.get $src) (local.get $run))
      (local.set $src (i32.add (local.get $src) (local.get $srcStride)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br $next))))

  ;; Resize gradients: each dy pixel [n, oh, ow, c] is added onto the input pixels it was
  ;; sampled from, dx [n, h, w, c], which starts at zero. Per output row r the caller's tables
  ;; give the two input rows (rowLo[r], rowHi[r], int32) and the weight of the second
  ;; (rowF[r], float32); columns alike.
  ;; The weights are (1 - fr)(1 - fc), (1 - fr) fc, fr (1 - fc) and fr fc, as in the forward
  ;; pass; four channels per instruction, then one at a time.
  (func (export "resizeGrad")
    (param $dy i32) (param $dx i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32)
    (param $oh i32) (param $ow i32)
    (param $rowLo i32) (param $rowHi i32) (param $rowF i32) (param $colLo i32) (param $colHi i32) (param $colF i32)
    (local $cb i32) (local $b i32) (local $r i32) (local $q i32) (local $k i32)
    (local $top i32) (local $bottom i32) (local $tl i32) (local $tr i32) (local $bl i32) (local $br i32)
    (local $fr f32) (local $fc f32) (local $wtl f32) (local $wtr f32) (local $wbl f32) (local $wbr f32)
    (local $g v128) (local $s f32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (memory.fill (local.get $dx) (i32.const 0)
      (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $h)) (local.get $w)) (local.get $cb)))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $r (i32.const 0))
      (block $rdone (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $oh)))
        ;; byte offsets of the two input rows in dx
        (local.set $top (i32.add (local.get $dx) (i32.mul (i32.mul
          (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.load (i32.add (local.get $rowLo) (i32.shl (local.get $r) (i32.const 2)))))
          (local.get $w)) (local.get $cb))))
        (local.set $bottom (i32.add (local.get $dx) (i32.mul (i32.mul
          (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.load (i32.add (local.get $rowHi) (i32.shl (local.get $r) (i32.const 2)))))
          (local.get $w)) (local.get $cb))))
        (local.set $fr (f32.load (i32.add (local.get $rowF) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $q (i32.const 0))
        (block $qdone (loop $qloop
          (br_if $qdone (i32.ge_u (local.get $q) (local.get $ow)))
          (local.set $fc (f32.load (i32.add (local.get $colF) (i32.shl (local.get $q) (i32.const 2)))))
          (local.set $k (i32.mul (i32.load (i32.add (local.get $colLo) (i32.shl (local.get $q) (i32.const 2)))) (local.get $cb)))
          (local.set $tl (i32.add (local.get $top) (local.get $k)))
          (local.set $bl (i32.add (local.get $bottom) (local.get $k)))
          (local.set $k (i32.mul (i32.load (i32.add (local.get $colHi) (i32.shl (local.get $q) (i32.const 2)))) (local.get $cb)))
          (local.set $tr (i32.add (local.get $top) (local.get $k)))
          (local.set $br (i32.add (local.get $bottom) (local.get $k)))
          (local.set $wtl (f32.mul (f32.sub (f32.const 1) (local.get $fr)) (f32.sub (f32.const 1) (local.get $fc))))
          (local.set $wtr (f32.mul (f32.sub (f32.const 1) (local.get $fr)) (local.get $fc)))
          (local.set $wbl (f32.mul (local.get $fr) (f32.sub (f32.const 1) (local.get $fc))))
          (local.set $wbr (f32.mul (local.get $fr) (local.get $fc)))
          (local.set $k (i32.const 0))
          (block $k4done (loop $k4loop
            (br_if $k4done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $cb)))
            (local.set $g (v128.load (local.get $dy)))
            (v128.store (i32.add (local.get $tl) (local.get $k)) (f32x4.add (v128.load (i32.add (local.get $tl) (local.get $k)))
              (f32x4.mul (local.get $g) (f32x4.splat (local.get $wtl)))))
            (v128.store (i32.add (local.get $tr) (local.get $k)) (f32x4.add (v128.load (i32.add (local.get $tr) (local.get $k)))
              (f32x4.mul (local.get $g) (f32x4.splat (local.get $wtr)))))
            (v128.store (i32.add (local.get $bl) (local.get $k)) (f32x4.add (v128.load (i32.add (local.get $bl) (local.get $k)))
              (f32x4.mul (local.get $g) (f32x4.splat (local.get $wbl)))))
            (v128.store (i32.add (local.get $br) (local.get $k)) (f32x4.add (v128.load (i32.add (local.get $br) (local.get $k)))
              (f32x4.mul (local.get $g) (f32x4.splat (local.get $wbr)))))
            (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $k4loop)))
          (block $k1done (loop $k1loop
            (br_if $k1done (i32.ge_u (local.get $k) (local.get $cb)))
            (local.set $s (f32.load (local.get $dy)))
            (f32.store (i32.add (local.get $tl) (local.get $k)) (f32.add (f32.load (i32.add (local.get $tl) (local.get $k))) (f32.mul (local.get $s) (local.get $wtl))))
            (f32.store (i32.add (local.get $tr) (local.get $k)) (f32.add (f32.load (i32.add (local.get $tr) (local.get $k))) (f32.mul (local.get $s) (local.get $wtr))))
            (f32.store (i32.add (local.get $bl) (local.get $k)) (f32.add (f32.load (i32.add (local.get $bl) (local.get $k))) (f32.mul (local.get $s) (local.get $wbl))))
            (f32.store (i32.add (local.get $br) (local.get $k)) (f32.add (f32.load (i32.add (local.get $br) (local.get $k))) (f32.mul (local.get $s) (local.get $wbr))))
            (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $k1loop)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $qloop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop))))

  ;; The nearest-sampling case of resizeGrad: one input pixel per dy pixel (rowSrc[r],
  ;; colSrc[q], int32), weight 1, so dx gets the exact sum of its dy pixels in row-major order.
  (func (export "resizeNearestGrad")
    (param $dy i32) (param $dx i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32)
    (param $oh i32) (param $ow i32) (param $rowSrc i32) (param $colSrc i32)
    (local $cb i32) (local $b i32) (local $r i32) (local $q i32) (local $k i32) (local $row i32) (local $to i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (memory.fill (local.get $dx) (i32.const 0)
      (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $h)) (local.get $w)) (local.get $cb)))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $r (i32.const 0))
      (block $rdone (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $oh)))
        (local.set $row (i32.add (local.get $dx) (i32.mul (i32.mul
          (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.load (i32.add (local.get $rowSrc) (i32.shl (local.get $r) (i32.const 2)))))
          (local.get $w)) (local.get $cb))))
        (local.set $q (i32.const 0))
        (block $qdone (loop $qloop
          (br_if $qdone (i32.ge_u (local.get $q) (local.get $ow)))
          (local.set $to (i32.add (local.get $row)
            (i32.mul (i32.load (i32.add (local.get $colSrc) (i32.shl (local.get $q) (i32.const 2)))) (local.get $cb))))
          (local.set $k (i32.const 0))
          (block $k4done (loop $k4loop
            (br_if $k4done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $cb)))
            (v128.store (i32.add (local.get $to) (local.get $k))
              (f32x4.add (v128.load (i32.add (local.get $to) (local.get $k))) (v128.load (local.get $dy))))
            (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $k4loop)))
          (block $k1done (loop $k1loop
            (br_if $k1done (i32.ge_u (local.get $k) (local.get $cb)))
            (f32.store (i32.add (local.get $to) (local.get $k))
              (f32.add (f32.load (i32.add (local.get $to) (local.get $k))) (f32.load (local.get $dy))))
            (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $k1loop)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $qloop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop))))
)
