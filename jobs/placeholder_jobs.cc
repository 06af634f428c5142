// TEMPORARY during the first session's build-up; replaced by the real jobs before commit to main.
#include "jobs/jobs.h"
namespace crossmf {
void run_generate(const Config&, const Comm&) { throw AgreedError(Exit::usage, "generate: not built yet"); }
void run_inspect(const Config&, const Comm&) { throw AgreedError(Exit::usage, "inspect: not built yet"); }
}
