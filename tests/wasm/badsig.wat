;; badsig.wat: imports glint.kv_get with a signature glint does not
;; provide (and glint.kv_set with the right one); the deploy is refused.
(module
  (import "glint" "kv_get" (func (param i32) (result i32)))
  (import "glint" "kv_set" (func (param i32 i32 i32 i32 i64) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))
