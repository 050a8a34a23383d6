// How large an MLP OpenCV itself can load (peak RSS, load time, file size per format).
// Not a test: run by hand on a quiet machine.
//   npx tsx bench/opencv-load-memory.ts [weights=1e6,4e6,16e6]
import { benchOpenCvLoad } from '../src/bench/opencv-load.js';

await benchOpenCvLoad((process.argv[2] ?? '1e6,4e6,16e6').split(',').map(Number));
