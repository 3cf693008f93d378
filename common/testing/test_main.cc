// The main() of every Spillway test: GoogleTest/GoogleMock with glog logging to
// stderr, so a failing test's log is in Bazel's test.log.
#include "gmock/gmock.h"
#include "glog/logging.h"
#include "gtest/gtest.h"

int main(int argc, char** argv) {
  testing::InitGoogleMock(&argc, argv);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  return RUN_ALL_TESTS();
}
