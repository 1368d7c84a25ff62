;; bigmem.wat: asks for 1 GiB of linear memory up front, with data at its
;; end: more than any function's memory setting allows.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 16384)
  (data (i32.const 1073741800) "the end of a gigabyte")
  (func (export "_start")))
