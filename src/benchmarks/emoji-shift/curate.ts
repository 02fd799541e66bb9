/**
 * Dev-time helper that wrote classes.json and ood.json (the committed files are the source of truth;
 * the builder never runs this). It checks that every picked emoji exists in all six styles, fills in
 * keywords from openmoji's CLDR tags, and draws the near-OOD and far-OOD emoji lists.
 *
 *   node --import tsx src/benchmarks/emoji-shift/curate.ts          # print a summary
 *   node --import tsx src/benchmarks/emoji-shift/curate.ts --write  # rewrite classes.json and ood.json
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRng } from '../../metrics/random.js';
import { EmojiSources, farStyles, STYLES, TEST_STYLES, type Style } from './sources.js';

/** [codepoint, prompt name (CLDR name, sometimes shortened), category, ImageNet-1k index where the emoji clearly is one]. */
const PICKS: Array<[string, string, string, number | null]> = [
  // animals (full-body emoji where Unicode has one; lion only exists as a head)
  ['1f415', 'dog', 'animal', null],
  ['1f408', 'cat', 'animal', null],
  ['1f981', 'lion', 'animal', 291],
  ['1f405', 'tiger', 'animal', 292],
  ['1f40e', 'horse', 'animal', null],
  ['1f993', 'zebra', 'animal', 340],
  ['1f98c', 'deer', 'animal', null],
  ['1f404', 'cow', 'animal', null],
  ['1f416', 'pig', 'animal', 341],
  ['1f42a', 'camel', 'animal', 354],
  ['1f999', 'llama', 'animal', 355],
  ['1f992', 'giraffe', 'animal', null],
  ['1f418', 'elephant', 'animal', null],
  ['1f98f', 'rhinoceros', 'animal', null],
  ['1f99b', 'hippopotamus', 'animal', 344],
  ['1f407', 'rabbit', 'animal', null],
  ['1f994', 'hedgehog', 'animal', null],
  ['1f998', 'kangaroo', 'animal', null],
  ['1f98d', 'gorilla', 'animal', 366],
  ['1f9a8', 'skunk', 'animal', 361],
  ['1f413', 'rooster', 'bird', 7],
  ['1f427', 'penguin', 'bird', null],
  ['1f985', 'eagle', 'bird', null],
  ['1f9a2', 'swan', 'bird', null],
  ['1f989', 'owl', 'bird', null],
  ['1f9a9', 'flamingo', 'bird', 130],
  ['1f99a', 'peacock', 'bird', 84],
  ['1f99c', 'parrot', 'bird', null],
  ['1f40a', 'crocodile', 'reptile', null],
  ['1f422', 'turtle', 'reptile', null],
  ['1f40d', 'snake', 'reptile', null],
  ['1f996', 't-rex', 'reptile', null],
  ['1f40b', 'whale', 'sea animal', null],
  ['1f988', 'shark', 'sea animal', null],
  ['1f419', 'octopus', 'sea animal', null],
  ['1f980', 'crab', 'sea animal', null],
  ['1f40c', 'snail', 'bug', 113],
  ['1f98b', 'butterfly', 'bug', null],
  ['1f41c', 'ant', 'bug', 310],
  ['1f41d', 'honeybee', 'bug', 309],
  ['1f41e', 'ladybug', 'bug', 301],
  ['1f577', 'spider', 'bug', null],
  ['1f982', 'scorpion', 'bug', 71],
  // plants
  ['1f33b', 'sunflower', 'plant', null],
  ['1f339', 'rose', 'plant', null],
  ['1f335', 'cactus', 'plant', null],
  ['1f334', 'palm tree', 'plant', null],
  ['1f344', 'mushroom', 'plant', null],
  // food
  ['1f347', 'grapes', 'fruit', null],
  ['1f349', 'watermelon', 'fruit', null],
  ['1f34b', 'lemon', 'fruit', 951],
  ['1f34c', 'banana', 'fruit', 954],
  ['1f34d', 'pineapple', 'fruit', 953],
  ['1f34e', 'apple', 'fruit', null],
  ['1f353', 'strawberry', 'fruit', 949],
  ['1f951', 'avocado', 'vegetable', null],
  ['1f346', 'eggplant', 'vegetable', null],
  ['1f955', 'carrot', 'vegetable', null],
  ['1f336', 'hot pepper', 'vegetable', null],
  ['1f966', 'broccoli', 'vegetable', 937],
  ['1f968', 'pretzel', 'food', 932],
  ['1f354', 'hamburger', 'food', 933],
  ['1f355', 'pizza', 'food', 963],
  ['1f32d', 'hot dog', 'food', 934],
  ['1f32e', 'taco', 'food', null],
  ['1f363', 'sushi', 'food', null],
  ['1f369', 'doughnut', 'food', null],
  ['1f382', 'birthday cake', 'food', null],
  ['1f36d', 'lollipop', 'food', null],
  ['1f366', 'ice cream', 'food', 928],
  // drink and dishware
  ['1fad6', 'teapot', 'kitchen', 849],
  ['1f377', 'wine glass', 'kitchen', null],
  ['1f37a', 'beer mug', 'kitchen', null],
  ['1f37c', 'baby bottle', 'kitchen', null],
  ['1f962', 'chopsticks', 'kitchen', null],
  // vehicles
  ['1f682', 'locomotive', 'vehicle', 820],
  ['1f68c', 'bus', 'vehicle', null],
  ['1f691', 'ambulance', 'vehicle', 407],
  ['1f692', 'fire engine', 'vehicle', 555],
  ['1f697', 'car', 'vehicle', null],
  ['1f69c', 'tractor', 'vehicle', 866],
  ['1f3ce', 'racing car', 'vehicle', 751],
  ['1f3cd', 'motorcycle', 'vehicle', null],
  ['1f6f5', 'motor scooter', 'vehicle', 670],
  ['1f6b2', 'bicycle', 'vehicle', null],
  ['1f6f9', 'skateboard', 'vehicle', null],
  ['26f5', 'sailboat', 'vehicle', null],
  ['1f6f6', 'canoe', 'vehicle', 472],
  ['1f6a2', 'ship', 'vehicle', null],
  ['2708', 'airplane', 'vehicle', 404],
  ['1f681', 'helicopter', 'vehicle', null],
  ['1f680', 'rocket', 'vehicle', null],
  // musical instruments
  ['1f3b7', 'saxophone', 'instrument', 776],
  ['1f3ba', 'trumpet', 'instrument', null],
  ['1fa97', 'accordion', 'instrument', 401],
  ['1f3b8', 'guitar', 'instrument', null],
  ['1f3bb', 'violin', 'instrument', 889],
  ['1fa95', 'banjo', 'instrument', 420],
  ['1f941', 'drum', 'instrument', 541],
  ['1f3b9', 'musical keyboard', 'instrument', null],
  // clothing and accessories
  ['1f453', 'glasses', 'clothing', null],
  ['1f454', 'necktie', 'clothing', 906],
  ['1f455', 't-shirt', 'clothing', null],
  ['1f456', 'jeans', 'clothing', 608],
  ['1f460', 'high-heeled shoe', 'clothing', null],
  ['1f45f', 'running shoe', 'clothing', 770],
  ['1f3a9', 'top hat', 'clothing', null],
  ['1f451', 'crown', 'clothing', null],
  ['1f392', 'backpack', 'clothing', 414],
  // tools
  ['1f528', 'hammer', 'tool', 587],
  ['1fa93', 'axe', 'tool', null],
  ['1f527', 'wrench', 'tool', null],
  ['1fa9b', 'screwdriver', 'tool', 784],
  ['1fa9a', 'saw', 'tool', null],
  ['2702', 'scissors', 'tool', null],
  ['1f9f2', 'magnet', 'tool', null],
  ['1fa9c', 'ladder', 'tool', null],
  ['1f511', 'key', 'tool', null],
  ['1f512', 'padlock', 'tool', 695],
  // household
  ['1f6cf', 'bed', 'household', null],
  ['1fa91', 'chair', 'household', null],
  ['1f6bd', 'toilet', 'household', null],
  ['1f6c1', 'bathtub', 'household', 435],
  ['1f9f9', 'broom', 'household', 462],
  ['1faa3', 'bucket', 'household', 463],
  ['1faa5', 'toothbrush', 'household', null],
  ['1f56f', 'candle', 'household', 470],
  ['1f4a1', 'light bulb', 'household', null],
  ['2602', 'umbrella', 'household', 879],
  // electronics
  ['1f4f1', 'mobile phone', 'electronics', 487],
  ['260e', 'telephone', 'electronics', 528],
  ['1f4bb', 'laptop', 'electronics', 620],
  ['1f5a5', 'desktop computer', 'electronics', 527],
  ['1f5b1', 'computer mouse', 'electronics', 673],
  ['1f4fa', 'television', 'electronics', 851],
  ['1f4f7', 'camera', 'electronics', null],
  ['23f0', 'alarm clock', 'electronics', null],
  // other objects
  ['1f52c', 'microscope', 'object', null],
  ['1f52d', 'telescope', 'object', null],
  ['1f489', 'syringe', 'object', 845],
  ['1f4da', 'books', 'object', null],
  ['2709', 'envelope', 'object', 549],
  ['1f388', 'balloon', 'object', 417],
  ['1f381', 'gift', 'object', null],
  ['1f9f8', 'teddy bear', 'object', 850],
  ['26bd', 'soccer ball', 'object', 805],
  ['1f3c6', 'trophy', 'object', null],
];

/** Tags that are jokes, slang or unrelated to the picture; left out of the keywords. */
const JUNK_KEYWORDS = new Set([
  'roflcopter', 'slay', 'tbt', 'miau', 'bearer', 'gang', 'class', 'spin', 'spinning', 'rawr', 'alpha', 'order', 'crone', 'cravatte',
  'one', 'rex', 'old', 'wise', 'hrs', 'isometric', 'strat', 'ugly', 'champs', 'employed', 'serious', 'young', 'comic', 'shape',
  'negative', 'positive', 'major', 'closing', 'voice', 'personal', 'modern', 'trip', 'snap', 'selfie', 'retro', 'contact', 'dionysus',
  'colada', 'pina', 'potassium', 'convoluted', 'hungry', 'eat', 'diet', 'ripe', 'happy', 'bday', 'weekend', 'dressed', 'shopping',
  'kick', 'zoom', 'fast', 'wriggle', 'ophiuchus', 'evolution', 'flamboyant', 'ostentatious', 'pretty', 'proud', 'talk', 'pirate',
  'cancer', 'scorpio', 'scorpius', 'zodiac', 'leo', 'simba', 'strong', 'big', 'long', 'trees', 'cute', 'hopping', 'easter', 'drive',
  'travel', 'adventure', 'alien', 'galaxy', 'resort', 'atlantic', 'passengers', 'arrive', 'departure', 'stink', 'hunt', 'wild',
  'mexican', 'restaurant', 'octoberfest', 'oktoberfest', 'bavaria', 'german', 'party', 'summer', 'smart', 'win', 'winning', 'family',
  'medieval', 'education', 'fantasy', 'novels', 'study', 'write', 'sick', 'flu', 'late', 'waiting', 'idea', 'relax', 'vacation',
  'texas', 'warm', 'drought', 'valentine', 'valentines day', 'love', 'beauty', 'elegant', 'present', 'surprise', 'celebrate', 'slow',
]);

/** Near-OOD: other object emoji; these subgroups only (no faces, places, clock faces, weather). */
const NEAR_SUBGROUPS = new Set([
  'animal-mammal', 'animal-bird', 'animal-amphibian', 'animal-reptile', 'animal-marine', 'animal-bug', 'plant-flower', 'plant-other',
  'food-fruit', 'food-vegetable', 'food-prepared', 'food-asian', 'food-sweet', 'drink', 'dishware',
  'transport-ground', 'transport-water', 'transport-air', 'hotel', 'event', 'award-medal', 'sport', 'game', 'arts-crafts',
  'clothing', 'sound', 'music', 'musical-instrument', 'phone', 'computer', 'light-video', 'book-paper', 'money', 'mail',
  'writing', 'office', 'lock', 'tool', 'science', 'medical', 'household', 'other-object',
]);
/** Near-OOD emoji too close to a class (same object, another view or a superclass). */
const NEAR_EXCLUDE = new Set([
  '1f42b', // two-hump camel
  '1f402', // ox
  '1f403', // water buffalo
  '1f406', // leopard
  '1f9ae', '1f415-200d-1f9ba', '1f429', // guide dog, service dog, poodle
  '1f408-200d-2b1b', // black cat
  '1f426', '1f426-200d-2b1b', '1f54a', // bird, black bird, dove
  '1f995', // sauropod
  '1f433', // spouting whale
  '1f695', '1f696', '1f699', '1f693', '1f694', '1f698', '1f68d', // taxi, SUV, police cars, oncoming cars/bus
  '1f6f3', '26f4', '1f6e5', // passenger ship, ferry, motor boat
  '1f6e9', '1f6eb', '1f6ec', // small airplane, departure, arrival
  '1f576', '1f97d', // sunglasses, goggles
  '1f37b', '1f942', // clinking beer mugs / glasses
  '1f513', '1f50f', '1f510', '1f5dd', // locks and keys
  '1f6e0', '2692', // hammer and wrench, hammer and pick
  '1f4f2', '1f4de', // mobile phone with arrow, telephone receiver
  '1f4f8', // camera with flash
  '1f4d5', '1f4d7', '1f4d8', '1f4d9', '1f4d6', // single books
  '1f4e7', '1f4e8', '1f4e9', '1f48c', // envelopes
  '1f570', '23f2', '231a', '23f1', // other clocks
  '1f3c5', '1f947', '1f948', '1f949', // medals (trophy-like)
  '1f302', '26f1', '2614', // umbrellas
  '1f9f8', // teddy bear (a class)
  '1f3ce', // racing car
  '1f6fb', '1f69a', '1f69b', '1f690', '1f68e', // trucks and buses
  '1f470', '1f9a3', // mammoth (elephant-like)
  '1f43d', '1f43e', '1fab6', '1fabd', // pig nose, paw prints, feather, wing (parts)
]);

/** Far-OOD: flags and symbols. */
const FAR_SUBGROUPS = new Set(['country-flag', 'flag', 'arrow', 'warning', 'transport-sign', 'zodiac', 'geometric', 'av-symbol', 'other-symbol', 'math', 'punctuation', 'keycap', 'alphanum', 'religion', 'gender']);

function shuffle<T>(items: T[], seed: number): T[] {
  const rng = createRng(seed);
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const src = await EmojiSources.open();
  const classes: Array<{ codepoint: string; name: string; cldr_name: string; category: string; imagenet_index: number | null; keywords: string[] }> = [];
  const seen = new Set<string>();
  for (const [codepoint, name, category, imagenet] of PICKS) {
    if (seen.has(codepoint)) throw new Error(`duplicate ${codepoint}`);
    seen.add(codepoint);
    const missing = STYLES.filter((s) => !src.has(s, codepoint));
    if (missing.length > 0) throw new Error(`${codepoint} ${name}: missing in ${missing.join(', ')}`);
    const meta = src.meta.get(codepoint);
    if (!meta) throw new Error(`${codepoint} ${name}: no openmoji metadata`);
    const keywords = [...new Set([meta.annotation.toLowerCase(), ...meta.tags])].filter((k) => k !== name && /^[a-z][a-z -]{2,}$/.test(k) && !JUNK_KEYWORDS.has(k));
    classes.push({ codepoint, name, cldr_name: meta.annotation, category, imagenet_index: imagenet, keywords });
  }
  const names = new Set(classes.map((c) => c.name));
  if (names.size !== classes.length) throw new Error('duplicate class names');

  const nameHit = (candidate: string): boolean => {
    const words = ` ${candidate.toLowerCase().replace(/[^a-z0-9]+/g, ' ')} `;
    return classes.some((c) => words.includes(` ${c.name.replace(/[^a-z0-9]+/g, ' ')} `) || words.includes(` ${c.name.replace(/[^a-z0-9]+/g, ' ')}s `));
  };
  const near: Array<{ codepoint: string; name: string }> = [];
  const far: Array<{ codepoint: string; name: string; kind: 'flag' | 'symbol' }> = [];
  for (const meta of [...src.meta.values()].sort((a, b) => (a.codepoint < b.codepoint ? -1 : 1))) {
    const cp = meta.codepoint;
    if (seen.has(cp)) continue;
    const name = meta.annotation.toLowerCase();
    if (NEAR_SUBGROUPS.has(meta.subgroup) && !NEAR_EXCLUDE.has(cp) && !name.includes('face') && !nameHit(name)) {
      if (TEST_STYLES.every((s) => src.has(s, cp))) near.push({ codepoint: cp, name });
    } else if (FAR_SUBGROUPS.has(meta.subgroup) && (meta.group === 'flags' || meta.group === 'symbols')) {
      const kind = meta.group === 'flags' ? 'flag' : 'symbol';
      const styles: Style[] = farStyles(src.stylesOf(cp), kind);
      if (styles.length >= (kind === 'flag' ? 1 : 2)) far.push({ codepoint: cp, name, kind });
    }
  }
  const nearPick = shuffle(near, 1).slice(0, 100).sort((a, b) => (a.codepoint < b.codepoint ? -1 : 1));
  const flags = far.filter((f) => f.kind === 'flag');
  const symbols = far.filter((f) => f.kind === 'symbol');
  const farPick = [...shuffle(flags, 2).slice(0, 20), ...shuffle(symbols, 3).slice(0, 40)].sort((a, b) => (a.codepoint < b.codepoint ? -1 : 1));

  const byCategory = new Map<string, number>();
  for (const c of classes) byCategory.set(c.category, (byCategory.get(c.category) ?? 0) + 1);
  process.stdout.write(`${classes.length} classes: ${[...byCategory].map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  process.stdout.write(`imagenet-mapped: ${classes.filter((c) => c.imagenet_index !== null).length}\n`);
  process.stdout.write(`near-OOD candidates ${near.length}, picked ${nearPick.length}: ${nearPick.map((n) => n.name).join(' | ')}\n`);
  process.stdout.write(`far-OOD candidates ${far.length} (${flags.length} flags), picked ${farPick.length}: ${farPick.map((n) => n.name).join(' | ')}\n`);
  if (write) {
    const dir = path.dirname(fileURLToPath(import.meta.url)).replace(`${path.sep}dist${path.sep}`, `${path.sep}src${path.sep}`);
    await writeFile(path.join(dir, 'classes.json'), `${JSON.stringify(classes, null, 2)}\n`);
    await writeFile(path.join(dir, 'ood.json'), `${JSON.stringify({ near: nearPick, far: farPick }, null, 2)}\n`);
    process.stdout.write(`wrote ${dir}/classes.json and ood.json\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
