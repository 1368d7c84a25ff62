;; invalid.wat: well-formed but invalid (an i64 where i32 is promised);
;; assembled with wat2wasm --no-check, refused by wasm2c's validator.
(module
  (memory (export "memory") 1)
  (func (export "_start") (result i32) (i64.const 1)))
