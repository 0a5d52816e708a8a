// Owner identity of run records: which process owns a `running` record, and
// whether that process is still alive (os/proc.h tells processes apart).
#include "os/proc.h"
#include "store/history_store.h"

namespace surety {

bool ProcessOwnerAlive(const RunRecord& record) {
  return StillRunning(
      ProcessIdentity{record.owner_pid, record.owner_start_time, record.owner_boot_id});
}

void FillOwner(RunRecord& record) {
  ProcessIdentity me = SelfIdentity();
  record.owner_pid = me.pid;
  record.owner_boot_id = std::move(me.boot_id);
  record.owner_start_time = me.start_time;
}

}  // namespace surety
