// How an image folder's pictures are fitted to the model's input: a fact the spec's schema
// states, so it lives apart from the decoding (which needs Node) and the page can read it.

/** stretch: resize ignoring the aspect ratio (Keras's default); crop: fill, then cut the middle; pad: fit, then pad. */
export type ResizeMode = 'stretch' | 'crop' | 'pad';
export const RESIZE_MODES: readonly ResizeMode[] = ['stretch', 'crop', 'pad'];
