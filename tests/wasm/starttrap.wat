;; starttrap.wat: traps during start-up, before its first read of stdin.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (i32.div_u (i32.const 1) (i32.const 0)))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 0)
      (i32.const 8)))))
