namespace cnn2mlp { int kernelsAvx512Anchor = 0; }
