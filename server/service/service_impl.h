// The machinery shared by all connections of one Service. Internal to server/service.
#pragma once

#include <memory>
#include <string>

#include "server/core/login_throttle.h"
#include "server/core/request_rate.h"
#include "server/service/access_cache.h"
#include "server/service/blocking_pool.h"
#include "server/service/hub.h"
#include "server/service/service.h"
#include "server/service/writer.h"

namespace kring::service {

class Subscription;

class ServiceImpl {
 public:
  ServiceImpl(storage::Store& store, const Clock& clock, Random& random, ServiceOptions options);

  // Reads one page of the thread's messages from the subscription's cursor on and hands it over.
  // If more remain, the next page follows on the read pool once the connection has sent most of
  // this one, until live delivery takes over. Blocks on one page's store read.
  void CatchUp(const std::shared_ptr<Subscription>& subscription);
  // CatchUp on the read pool. If its queue is full, the subscriber's connection is closed with
  // 1013 (try again later): it reconnects and resumes from its cursors, so nothing is skipped.
  void PostCatchUp(const std::shared_ptr<Subscription>& subscription);

  storage::Store& store;
  const Clock& clock;
  Random& random;
  const ServiceOptions options;
  Writer writer;
  // Touched on the writer thread only; cleared by it whenever an access record changes.
  AccessCache access_cache;
  Hub hub;
  LoginThrottle throttle;
  // Per account, over all its connections (each connection keeps its own bucket too).
  KeyedRateLimiter account_rate;
  BlockingPool password_pool;  // Argon2 only
  BlockingPool read_pool;      // large reads: never behind password work
  BlockingPool file_pool;      // attachments: fsync and thumbnails of uploads
  // Verified against when a login names an unknown handle, so that case takes as long as a
  // wrong password and does not reveal which handles exist.
  std::string decoy_password_hash;
};

}  // namespace kring::service
