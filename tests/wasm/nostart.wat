;; nostart.wat: a reactor-style module without _start.
(module
  (memory (export "memory") 1)
  (func (export "work") (result i32) (i32.const 1)))
