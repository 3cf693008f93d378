// What the autoscaler asks of each controller it runs (controller_list.h):
// start and stop its workers, and, when this replica becomes the leader,
// queue everything it watches once its caches hold it.
//
// Implementations are thread-safe; Start and Stop are called once each, from
// the autoscaler's lifecycle.
#ifndef SPILLWAY_AUTOSCALER_RUNNABLE_H_
#define SPILLWAY_AUTOSCALER_RUNNABLE_H_

namespace spillway::autoscaler {

class Runnable {
 public:
  virtual ~Runnable() = default;
  virtual void Start() = 0;
  virtual void Stop() = 0;
  // Whether the caches EnqueueAll reads, beyond the shared informers, are
  // filled. The shared informers are synced before this is asked.
  virtual bool HasSynced() const { return true; }
  // Queues every object it watches (on becoming the leader). A controller
  // that acts only on what happens next leaves it empty.
  virtual void EnqueueAll() {}
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_RUNNABLE_H_
