;; imports.wat: names calls glint does not provide, next to ones it does.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept"
    (func (param i32 i32 i32) (result i32)))
  (import "env" "host_magic" (func (param i32) (result i32)))
  (import "env" "table" (table 1 funcref))
  (import "env" "counter" (global i32))
  (memory (export "memory") 1)
  (func (export "_start")))
