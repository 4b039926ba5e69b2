"""The capabilities, sklearn-style: constructor stores settings, `fit` returns self,
learned state ends in `_`, `predict`-like calls before `fit` raise NotFittedError."""
