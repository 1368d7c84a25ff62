# daemon/engine.mk: the engine library (registry, state, pools, workers).
