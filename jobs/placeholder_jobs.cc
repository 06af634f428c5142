// TEMPORARY during the first session's build-up; replaced by the real jobs before commit to main.
#include "jobs/jobs.h"
namespace crossmf {
void run_import(const Config&, const Comm&) { throw Error(Exit::usage, "import: not built yet"); }
void run_train(const Config&, const Comm&) { throw Error(Exit::usage, "train: not built yet"); }
}
