;; stubbed.wat: calls two imports glint does not provide (a WASI call and
;; one of its own module) and answers what they returned, as two digits
;; each: deployed with wasi_stub_unknown=1 both are stubs returning ENOSYS.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "env" "host_magic" (func $host_magic (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; iovec at 0: buf 16, len 30; nwritten at 8
  (data (i32.const 0) "\10\00\00\00\1e\00\00\00")
  (data (i32.const 16) "path_open=?? env.host_magic=??")
  ;; Writes n as two digits at addr.
  (func $digits (param $addr i32) (param $n i32)
    (i32.store8 (local.get $addr)
      (i32.add (i32.const 48) (i32.div_u (local.get $n) (i32.const 10))))
    (i32.store8 (i32.add (local.get $addr) (i32.const 1))
      (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10)))))
  (func (export "_start")
    (call $digits (i32.const 26)
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 0)
        (i32.const 0) (i32.const 0) (i64.const 0) (i64.const 0)
        (i32.const 0) (i32.const 0)))
    (call $digits (i32.const 44) (call $host_magic (i32.const 7)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
      (i32.const 8)))))
