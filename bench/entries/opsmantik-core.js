// What size-limit measures for `import { createTracker } from 'opsmantik'`: the import and one use.
import { createTracker } from 'opsmantik';

console.log(createTracker);
