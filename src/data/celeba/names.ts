/** The 40 CelebA attributes, in the order of list_attr_celeba.txt. */
export const CELEBA_ATTRIBUTES = [
  '5_o_Clock_Shadow',
  'Arched_Eyebrows',
  'Attractive',
  'Bags_Under_Eyes',
  'Bald',
  'Bangs',
  'Big_Lips',
  'Big_Nose',
  'Black_Hair',
  'Blond_Hair',
  'Blurry',
  'Brown_Hair',
  'Bushy_Eyebrows',
  'Chubby',
  'Double_Chin',
  'Eyeglasses',
  'Goatee',
  'Gray_Hair',
  'Heavy_Makeup',
  'High_Cheekbones',
  'Male',
  'Mouth_Slightly_Open',
  'Mustache',
  'Narrow_Eyes',
  'No_Beard',
  'Oval_Face',
  'Pale_Skin',
  'Pointy_Nose',
  'Receding_Hairline',
  'Rosy_Cheeks',
  'Sideburns',
  'Smiling',
  'Straight_Hair',
  'Wavy_Hair',
  'Wearing_Earrings',
  'Wearing_Hat',
  'Wearing_Lipstick',
  'Wearing_Necklace',
  'Wearing_Necktie',
  'Young',
] as const;

export type CelebaAttribute = (typeof CELEBA_ATTRIBUTES)[number];

/** File and folder names of the official release (and of Kaggle's CSV copy). */
export const CELEBA_FILES = {
  attributes: 'list_attr_celeba.txt',
  attributesCsv: 'list_attr_celeba.csv',
  partition: 'list_eval_partition.txt',
  partitionCsv: 'list_eval_partition.csv',
  images: 'img_align_celeba',
} as const;

/** Size of the full release: rows of list_attr_celeba.txt, and the official partition. */
export const CELEBA_FULL = {
  rows: 202_599,
  train: 162_770,
  val: 19_867,
  test: 19_962,
  imageWidth: 178,
  imageHeight: 218,
} as const;
