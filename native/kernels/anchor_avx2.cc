namespace cnn2mlp { int kernelsAvx2Anchor = 0; }
