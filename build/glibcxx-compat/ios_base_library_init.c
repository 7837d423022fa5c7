/* Provides std::ios_base_library_init() (GCC 13's GLIBCXX_3.4.32 hook) for systems whose libstdc++ predates it.
   In GCC 13 the function only forces iostream initialisation; libtorch's own static initialisers already do
   that, so an empty body is correct. Mangled name: _ZSt21ios_base_library_initv. */
void _ZSt21ios_base_library_initv(void) {}
