/** The model-opening helpers of eval and predict live with the pipelines (the library API uses them too). */
export { type OpenedModel, openModel, resolveModelDir } from '../../pipelines/model.js';
