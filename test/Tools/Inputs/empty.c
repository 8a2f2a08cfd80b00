/* An ordinary shared object: no engram symbols. */ int nothing(void) { return 0; }
