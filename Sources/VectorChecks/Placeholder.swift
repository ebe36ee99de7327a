// Placeholder so the package loads while this module is being written; replaced by real code.
