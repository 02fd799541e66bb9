/**
 * Registry of the model families holoclip can load, keyed by `model_type` in config.json.
 * A new family is one entry here (plus, if needed, its transformers.js classes).
 */
export type ScoreKind = 'softmax' | 'sigmoid';

export interface ModelFamily {
  readonly modelType: string;
  /** transformers.js class names for the two towers. */
  readonly visionClass: 'CLIPVisionModelWithProjection' | 'SiglipVisionModel';
  readonly textClass: 'CLIPTextModelWithProjection' | 'SiglipTextModel';
  /** Output of each tower that holds the (unnormalised) embedding. */
  readonly imageEmbedOutput: string;
  readonly textEmbedOutput: string;
  /** softmax over classes (CLIP) or per-class sigmoid with a bias (SigLIP). */
  readonly scoring: ScoreKind;
  /** SigLIP was trained with texts padded to the maximum length; CLIP pads to the longest text. */
  readonly textPadding: 'longest' | 'max_length';
  /** Default text length when neither the tokenizer nor the config says. */
  readonly defaultMaxLength: number;
  /** Used when the learned scale cannot be found (with a loud warning). */
  readonly initLogitScale: (config: Readonly<Record<string, unknown>>) => { scale: number; bias: number; detail: string };
}

export const MODEL_FAMILIES: Readonly<Record<string, ModelFamily>> = {
  clip: {
    modelType: 'clip',
    visionClass: 'CLIPVisionModelWithProjection',
    textClass: 'CLIPTextModelWithProjection',
    imageEmbedOutput: 'image_embeds',
    textEmbedOutput: 'text_embeds',
    scoring: 'softmax',
    textPadding: 'longest',
    defaultMaxLength: 77,
    initLogitScale: (config) => {
      const init = typeof config.logit_scale_init_value === 'number' ? config.logit_scale_init_value : 2.6592;
      return { scale: Math.exp(init), bias: 0, detail: `exp(logit_scale_init_value=${init})` };
    },
  },
  siglip: {
    modelType: 'siglip',
    visionClass: 'SiglipVisionModel',
    textClass: 'SiglipTextModel',
    imageEmbedOutput: 'pooler_output',
    textEmbedOutput: 'pooler_output',
    scoring: 'sigmoid',
    textPadding: 'max_length',
    defaultMaxLength: 64,
    initLogitScale: (config) => {
      if (typeof config.logit_scale_init_value === 'number') {
        const init = config.logit_scale_init_value;
        const bias = typeof config.logit_bias_init_value === 'number' ? config.logit_bias_init_value : -10;
        return { scale: Math.exp(init), bias, detail: `exp(logit_scale_init_value=${init}), bias ${bias}` };
      }
      // SigLIP paper initialisation (Zhai et al. 2023): t' = log 10, b = -10.
      return { scale: 10, bias: -10, detail: 'SigLIP paper initialisation (scale 10, bias -10)' };
    },
  },
};

export function supportedModelTypes(): string[] {
  return Object.keys(MODEL_FAMILIES);
}
