import { addingTask } from './adding.js';
import { agreementTask } from './agreement.js';
import { copyTask } from './copy.js';
import type { Task } from './task.js';

export type { Task, TaskBatch } from './task.js';
export { agreementTask, AGREEMENT_VOCAB, VERB_FORMS } from './agreement.js';
export { addingTask, ADDING_TOLERANCE } from './adding.js';
export { copyTask, COPY_ALPHABET } from './copy.js';

export const TASK_NAMES = ['agreement', 'adding', 'copy'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** The task by name at a distance (agreement: distractors; adding: length T; copy: delay). */
export function makeTask(name: string, distance: number): Task {
  switch (name) {
    case 'agreement': return agreementTask(distance);
    case 'adding': return addingTask(distance);
    case 'copy': return copyTask(distance);
    default: throw new Error(`unknown task '${name}': choose one of ${TASK_NAMES.join(', ')}`);
  }
}
