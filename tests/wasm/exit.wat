;; exit.wat: writes "bye" to stdout, then proc_exit with the digit on stdin.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; read iovec at 0 (buf 64, len 1); write iovec at 16 (buf 80, len 3)
  (data (i32.const 0) "\40\00\00\00\01\00\00\00")
  (data (i32.const 16) "\50\00\00\00\03\00\00\00")
  (data (i32.const 80) "bye")
  (func (export "_start")
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1)
      (i32.const 8)))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1)
      (i32.const 12)))
    (call $exit (i32.sub (i32.load8_u (i32.const 64)) (i32.const 48)))
    unreachable))
