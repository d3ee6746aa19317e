/* A shared library that is not a plugin: it lacks the entry symbol. */
__attribute__((visibility("default"))) int clinic_something_else(void) { return 42; }
