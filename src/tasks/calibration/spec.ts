/** The calibration task's spec: what suite validation and planning read (index.ts adds its run, aggregation and report). */
import * as z from 'zod';
import { defineTaskSpec, datasetField, optionalDatasetListField, planOneUnitPerModel, optionalDatasetField, promptsField, setting } from '../definition.js';

export const options = z.strictObject({
  dataset: datasetField({
    role: 'labelled',
    flag: 'data',
    description: 'the ID dataset; the temperature is fitted on a seeded fraction of it unless `calibration_dataset` is given',
    cliDescription: 'in-distribution dataset (ImageFolder, .jsonl manifest or TYPE:PATH)',
  }),
  calibration_dataset: optionalDatasetField({ role: 'labelled', flag: 'calibration-data', description: 'a separate dataset to fit the temperature on (default: a seeded split of the ID dataset)' }),
  calibration_fraction: setting(z.number().gt(0).lt(1).default(0.5).describe('fraction of the ID dataset the temperature is fitted on when no calibration dataset is given (default 0.5)'), { arg: 'f' }),
  shifts: optionalDatasetListField({ role: 'labelled', flag: 'shift', cli: 'named', description: 'shifted datasets evaluated with the same temperature', cliDescription: 'a shifted dataset with the same classes, NAME=PATH (repeatable)' }),
  bins: setting(z.number().int().min(1).default(15).describe('ECE bins, equal width over (0,1] (default 15)'), { arg: 'n' }),
  seed: setting(z.number().int().min(0).default(0).describe('calibration split seed (default 0)'), { arg: 'n' }),
  prompts: promptsField(false),
});

export const calibrationSpec = defineTaskSpec({
  type: 'calibration',
  summary: 'calibration: ECE, NLL, Brier before and after temperature scaling',
  options,
  detailsKey: 'calibration',
  check(_settings, config) {
    return config.calibration_dataset !== undefined && config.calibration_fraction !== undefined ? [{ where: '', message: 'give calibration_dataset or calibration_fraction, not both' }] : [];
  },
  plan: planOneUnitPerModel(options),
});
