// Names the Python targets share.

/** mnist-cnn -> mnist_cnn: a name Python can import. */
export const pythonModuleName = (name: string): string => name.replace(/-/g, '_');
