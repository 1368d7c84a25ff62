;; echo.wat: copies stdin to stdout unchanged (at most 64 KiB), so a test
;; decides exactly what the module's stdout holds.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; iovec at 0: buf 65536, len 65536; nread at 8; nwritten at 12
  (data (i32.const 0) "\00\00\01\00\00\00\01\00")
  (func (export "_start")
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1)
      (i32.const 8)))
    ;; write back what was read: iovec len = nread
    (i32.store (i32.const 4) (i32.load (i32.const 8)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
      (i32.const 12)))))
