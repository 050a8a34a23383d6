/**
 * What the model loaders accept, as plain lists: the package exports them, so they must not pull in
 * the loaders themselves (those load on first use, src/formats/on-demand.ts). The loaders' own
 * tables are the truth; test/formats/supported.test.ts checks these lists against them.
 */

/** ONNX operators the loader maps to layers when they act on data (the others only fold on constants). */
export const ONNX_SUPPORTED_OPS: readonly string[] = ['Add', 'AveragePool', 'BatchNormalization', 'Clip', 'Concat', 'Constant', 'Conv', 'ConvTranspose', 'Div', 'Dropout', 'Elu', 'Flatten', 'Gemm', 'GlobalAveragePool', 'GlobalMaxPool', 'HardSigmoid', 'HardSwish', 'Identity', 'LeakyRelu', 'MatMul', 'MaxPool', 'Mul', 'PRelu', 'Pad', 'ReduceMax', 'ReduceMean', 'Relu', 'Reshape', 'Resize', 'Selu', 'Shape', 'Sigmoid', 'Slice', 'Softmax', 'Softplus', 'Squeeze', 'Sub', 'Sum', 'Tanh', 'Transpose', 'Unsqueeze', 'Upsample'];
/** ONNX operators the loader evaluates when all their inputs are constants (shape arithmetic, casts). */
export const ONNX_FOLDED_OPS: readonly string[] = ['Abs', 'Add', 'Cast', 'Ceil', 'Concat', 'ConstantOfShape', 'Div', 'Dropout', 'Exp', 'Expand', 'Flatten', 'Floor', 'Gather', 'Identity', 'Max', 'Min', 'Mul', 'Neg', 'Pow', 'Range', 'Reciprocal', 'Reshape', 'Shape', 'Size', 'Slice', 'Sqrt', 'Squeeze', 'Sub', 'Transpose', 'Unsqueeze'];
/** The ONNX opsets cnn2mlp reads (the default domain's version). */
export const ONNX_MIN_OPSET: number = 1;
export const ONNX_MAX_OPSET: number = 21;
/** TF.js graph-model ops loadTfjs maps. */
export const TFJS_GRAPH_OPS: readonly string[] = ['Add', 'AddV2', 'AvgPool', 'BiasAdd', 'ConcatV2', 'Conv2D', 'DepthwiseConv2dNative', 'Elu', 'FusedDepthwiseConv2dNative', 'LeakyRelu', 'MatMul', 'Max', 'MaxPool', 'Mean', 'Mul', 'Pad', 'PadV2', 'RealDiv', 'Relu', 'Relu6', 'Reshape', 'ResizeBilinear', 'ResizeNearestNeighbor', 'Selu', 'Sigmoid', 'Softmax', 'Softplus', 'Squeeze', 'Sub', 'Tanh', '_FusedConv2D', '_FusedMatMul'];
/** Keras layer classes loadTfjs reads from a TF.js layers model. */
export const TFJS_SUPPORTED_LAYERS: readonly string[] = ['InputLayer', 'Conv2D', 'Conv1D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose', 'Dense', 'MaxPooling2D', 'AveragePooling2D', 'MaxPooling1D', 'AveragePooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'BatchNormalization', 'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax', 'PReLU', 'Add', 'Subtract', 'Multiply', 'Average', 'Concatenate', 'Flatten', 'Reshape', 'ZeroPadding2D', 'ZeroPadding1D', 'Cropping2D', 'Cropping1D', 'UpSampling2D', 'UpSampling1D', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout'];
