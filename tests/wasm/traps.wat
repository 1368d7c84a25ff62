;; traps.wat: one trap (or other end) per first byte of stdin.
;;   0 writes "ok"            5 call stack exhaustion (endless recursion)
;;   1 unreachable            6 indirect call type mismatch
;;   2 out-of-bounds load     7 integer overflow (INT_MIN / -1)
;;   3 integer divide by 0    8 memory.grow past the maximum: "grow=-1"
;;   4 NaN to integer         9 endless loop (the call's deadline)
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 4)
  (type $ret_i32 (func (result i32)))
  (type $take_i64 (func (param i64)))
  (table 1 funcref)
  (elem (i32.const 0) $seven)
  ;; iovec for reading: buf 64, len 1; iovec for "ok": buf 80, len 2;
  ;; iovec for "grow=-1": buf 96, len 7
  (data (i32.const 0) "\40\00\00\00\01\00\00\00")
  (data (i32.const 16) "\50\00\00\00\02\00\00\00")
  (data (i32.const 24) "\60\00\00\00\07\00\00\00")
  (data (i32.const 80) "ok")
  (data (i32.const 96) "grow=-1")
  (func $seven (result i32) (i32.const 7))
  (func $recurse (param i32) (result i32)
    (call $recurse (i32.add (local.get 0) (i32.const 1))))
  (func $write (param $iov i32)
    (drop (call $fd_write (i32.const 1) (local.get $iov) (i32.const 1)
      (i32.const 12))))
  (func (export "_start")
    (local $zero i32)
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1)
      (i32.const 8)))
    (block $b9 (block $b8 (block $b7 (block $b6 (block $b5
    (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b9 $b0
        (i32.sub (i32.load8_u (i32.const 64)) (i32.const 48))))
      (call $write (i32.const 16)) (return))
      unreachable)
      (drop (i32.load (i32.const 65536))) (return))
      (drop (i32.div_u (i32.const 1) (local.get $zero))) (return))
      (drop (i32.trunc_f64_s (f64.div (f64.const 0) (f64.const 0))))
      (return))
      (drop (call $recurse (i32.const 0))) (return))
      (call_indirect (type $take_i64) (i64.const 1) (i32.const 0))
      (return))
      (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))) (return))
      (if (i32.eq (memory.grow (i32.const 4)) (i32.const -1))
        (then (call $write (i32.const 24))))
      (return))
    (loop $forever (br $forever))))
