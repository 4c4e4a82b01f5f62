// GCC 13's libstdc++ (GLIBCXX_3.4.32) added std::ios_base_library_init(), which TorchSharp 0.107.0's
// libLibTorchSharp.so calls to set up the standard streams; GCC 12's libstdc++ (Debian 12) lacks it.
// This stand-in does what it does: construct std::ios_base::Init once. Built and preloaded by ../run.sh.
#include <ios>
namespace std { void ios_base_library_init() { static ios_base::Init init; } }
