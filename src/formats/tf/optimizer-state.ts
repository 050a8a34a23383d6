// Its own module: the package exports it without loading the checkpoint reader.

/** Optimiser slots and bookkeeping scalars TensorFlow and Keras save beside the model. */
export function isOptimizerState(name: string): boolean {
  return (
    name.includes('.OPTIMIZER_SLOT') ||
    /^(optimizer|Adam|training)\//.test(name) ||
    /\/(Adam|Adam_\d+|Momentum|RMSProp|RMSProp_\d+|Adagrad|Ftrl|Ftrl_\d+)$/.test(name) ||
    /^(global_step|beta1_power|beta2_power|save_counter(\/.*)?|_CHECKPOINTABLE_OBJECT_GRAPH)$/.test(name)
  );
}
