/**
 * The on-disk layout each dataset adapter reads, as help texts, docs/reference/dataset-types.md and the adapters'
 * own error messages show it. Apart from the adapters so that the dataset-type table (data/dataset-types.ts) is
 * known without loading any reader.
 */

export const IMAGENET_A_LAYOUT =
  '<root>/<wnid>/*.jpg (the 200 ImageNet wnid folders of the imagenet-a.tar release)';

export const IMAGENET_D_LAYOUT =
  '<root>/<background|texture|material>/<category>/* (the ImageNet-D release), or one subset folder <root>/<category>/*';

export const IMAGENET_R_LAYOUT =
  '<root>/<wnid>/*.jpg (the 200 ImageNet wnid folders of the imagenet-r.tar release)';

export const IMAGENET_SKETCH_LAYOUT =
  '<root>/<wnid>/*.JPEG (1000 ImageNet wnid folders, as released by Wang et al. 2019)';

export const IMAGENET_V2_LAYOUT =
  '<root>/<0..999>/*.jpeg (the imagenetv2-*-format-val folder of the ImageNetV2 release)';

export const IMAGENET_VAL_LAYOUT =
  '<root>/<wnid>/*.JPEG (1000 wnid folders, torchvision layout) or <root>/ILSVRC2012_val_*.JPEG with LOC_val_solution.csv (ImageId,PredictionString) given or next to the folder';

export const OBJECTNET_LAYOUT =
  '<root>/images/<folder>/*.png (ObjectNet 1.0; or <root>/<folder>/* directly), folder names as in folder_to_objectnet_label.json';

export const OOD_IMAGES_LAYOUT =
  '<root>/**/<images> (any folder tree, unlabelled: iNaturalist/SUN/Places/Textures in the MOS/MCM layout, ImageNet-O, NINCO)';

export const KARPATHY_LAYOUT =
  'dataset_flickr30k.json / dataset_coco.json (Karpathy splits) with the images next to it (<dir>/<filename>, <dir>/flickr30k-images/<filename>, <dir>/<filepath>/<filename> for COCO), or a folder holding one such JSON';

export const SPAIR_LAYOUT =
  '<root>/JPEGImages/<category>/<image>.jpg, <root>/ImageAnnotation/<category>/<image>.json (kps), <root>/PairAnnotation/test/*.json (the SPair-71k release; emoji-correspondence is written the same way)';

export const NAVI_LAYOUT =
  '<root>/<object>/wild_set/{annotations.json, images/downsampled_<id>.jpg, depth/downsampled_<id>.png} and at least one <root>/<object>/multiview_* folder (NAVI v1 after probe3d\'s resize_navi.py)';

export const SCANNET_PAIRS_LAYOUT =
  '<root>/test.npz (name: [room, seq, frame0, frame1] rows), <root>/intrinsics.npz (sceneRRRR_SS: 3x3), <root>/sceneRRRR_SS/{color/<frame>.jpg, depth/<frame>.png, pose/<frame>.txt} (LoFTR\'s scannet_test_1500)';
