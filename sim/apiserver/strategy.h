// A built-in kind's own rules, kept together as kube-apiserver keeps them in
// pkg/registry/<group>/<kind>/strategy.go and its printer
// (pkg/printers/internalversion): the defaults it fills in, what the server
// sets on a new object, what it refuses on create and on update, what its
// decoder refuses, the Table `kubectl get` prints and the field selectors it
// supports.
//
// One implementation per kind with rules of its own lives in
// sim/apiserver/kinds/ and is registered with its resource in
// resources.cc; a kind without any uses DefaultStrategy(). Every method has a
// do-nothing default, so a strategy states only what its kind adds.
// Strategies are stateless and immutable: thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_STRATEGY_H_
#define SPILLWAY_SIM_APISERVER_STRATEGY_H_

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/json.hpp"

namespace spillway::sim {

// A column of a built-in kind's server-side Table.
struct TableColumn {
  std::string name;  // As the real printer names it; kubectl upper-cases it.
  std::string type;  // "string" or "integer".
  int priority = 0;  // > 0: only with -o wide.
};

// What `kubectl get` prints for a kind: the columns after Name and a
// function giving one cell per column for an object at `now`.
struct Printer {
  std::vector<TableColumn> columns;
  boost::json::array (*cells)(const boost::json::object& object, absl::Time now) = nullptr;
};

// Field selector labels a kind supports beyond metadata.name and
// metadata.namespace (kube's AddFieldLabelConversionFunc), each with the
// dotted path it selects on (usually itself; an Event's "source" selects
// "source.component").
using FieldLabels = std::map<std::string, std::string>;

class KindStrategy {
 public:
  virtual ~KindStrategy() = default;

  // SetDefaults_<Kind>: fills absent fields, on create and on every update.
  virtual void Default(boost::json::object& /*object*/) const {}

  // PrepareForCreate: what the server sets on a new object whatever the
  // client sent (a Pod's status).
  virtual void PrepareForCreate(boost::json::object& /*object*/) const {}

  // PrepareForUpdate: what the server sets on an updated object.
  virtual void PrepareForUpdate(boost::json::object& /*object*/) const {}

  // Whether metadata.name must be a DNS-1123 label (it becomes a DNS name:
  // Namespace, Service) instead of a subdomain.
  virtual bool NameIsDnsLabel() const { return false; }

  // Validate: appends one message per problem in the object's content,
  // worded as kube-apiserver words it ("spec.ports: Required value").
  // Called on create and on update, after defaulting.
  virtual void Validate(const boost::json::object& /*object*/, std::vector<std::string>& /*problems*/) const {}

  // ValidateUpdate: appends what an update may not change compared with the
  // stored object ("spec.selector: ... field is immutable").
  virtual void ValidateUpdate(const boost::json::object& /*old_object*/, const boost::json::object& /*object*/,
                              std::vector<std::string>& /*problems*/) const {}

  // What the kind's decoder refuses before anything else looks at the
  // object (a Secret's data that is not base64): FailedPrecondition
  // (answered 400), worded as the decoder words it, or OK.
  virtual absl::Status CheckDecodable(const boost::json::object& /*object*/) const { return absl::OkStatus(); }

  // The kind's printer, or nullptr: kubectl then prints NAME and AGE itself.
  virtual const Printer* TablePrinter() const { return nullptr; }

  // The field selector labels the kind supports (see FieldLabels), or
  // nullptr when its selectors are not checked (events.k8s.io's Event).
  virtual const FieldLabels* SupportedFieldLabels() const;
};

// Field labels that each select on their own path.
FieldLabels OwnPathFieldLabels(std::initializer_list<const char*> labels);

// The strategy of kinds without rules of their own.
const KindStrategy& DefaultStrategy();

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_STRATEGY_H_
