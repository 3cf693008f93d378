#include "sim/apiserver/cel.h"

#include <cctype>
#include <memory>
#include <regex>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

// --- Tokens ---------------------------------------------------------------

struct Token {
  enum Kind { kIdent, kInt, kDouble, kString, kPunct, kEnd } kind = kEnd;
  std::string text;
};

absl::StatusOr<std::vector<Token>> Tokenize(const std::string& source) {
  std::vector<Token> tokens;
  size_t at = 0;
  auto syntax = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("compilation failed: ", what, " at position ", at));
  };
  while (at < source.size()) {
    const char c = source[at];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++at;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const size_t start = at;
      while (at < source.size() && (std::isalnum(static_cast<unsigned char>(source[at])) || source[at] == '_')) ++at;
      tokens.push_back({Token::kIdent, source.substr(start, at - start)});
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      const size_t start = at;
      bool is_double = false;
      while (at < source.size() && (std::isdigit(static_cast<unsigned char>(source[at])) || source[at] == '.' ||
                                    source[at] == 'e' || source[at] == 'E')) {
        is_double |= source[at] == '.' || source[at] == 'e' || source[at] == 'E';
        ++at;
      }
      if (at < source.size() && (source[at] == 'u' || source[at] == 'U')) ++at;  // Unsigned literal: read as int.
      tokens.push_back({is_double ? Token::kDouble : Token::kInt, source.substr(start, at - start)});
    } else if (c == '\'' || c == '"') {
      std::string text;
      for (++at; at < source.size() && source[at] != c; ++at) {
        if (source[at] == '\\' && at + 1 < source.size()) {
          const char e = source[++at];
          text += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          text += source[at];
        }
      }
      if (at >= source.size()) return syntax("unterminated string");
      ++at;
      tokens.push_back({Token::kString, text});
    } else {
      static const char* const kTwo[] = {"<=", ">=", "==", "!=", "&&", "||"};
      std::string punct(1, c);
      for (const char* two : kTwo) {
        if (source.compare(at, 2, two) == 0) punct = two;
      }
      if (punct.size() == 1 && std::string("()[]{}.,:?!-+*/%<>").find(c) == std::string::npos) {
        return syntax(absl::StrCat("unexpected character '", std::string(1, c), "'"));
      }
      at += punct.size();
      tokens.push_back({Token::kPunct, punct});
    }
  }
  tokens.push_back({Token::kEnd, ""});
  return tokens;
}

// --- Syntax tree ------------------------------------------------------------

struct Node {
  enum Kind {
    kLiteral, kIdent, kSelect, kIndex, kCall, kMethod, kUnary, kBinary, kAnd, kOr, kTernary, kList, kMap, kHas,
    kMacro
  } kind = kLiteral;
  std::string name;  // Identifier, field, function, operator or macro variable.
  std::string macro; // For kMacro: all, exists, exists_one, map, filter.
  json::value literal;
  std::vector<std::unique_ptr<Node>> children;
};

using NodePtr = std::unique_ptr<Node>;

NodePtr Make(Node::Kind kind, std::string name = "") {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->name = std::move(name);
  return node;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  absl::StatusOr<NodePtr> ParseAll() {
    absl::StatusOr<NodePtr> expr = Expr();
    if (!expr.ok()) return expr;
    if (Peek().kind != Token::kEnd) return Error(absl::StrCat("unexpected '", Peek().text, "'"));
    return expr;
  }

 private:
  const Token& Peek() const { return tokens_[at_]; }
  bool IsPunct(const char* text) const { return Peek().kind == Token::kPunct && Peek().text == text; }
  bool Accept(const char* text) {
    if (!IsPunct(text)) return false;
    ++at_;
    return true;
  }
  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat("compilation failed: ", what));
  }
  absl::Status Expect(const char* text) {
    return Accept(text) ? absl::OkStatus() : Error(absl::StrCat("expected '", text, "', found '", Peek().text, "'"));
  }

  absl::StatusOr<NodePtr> Expr() {
    if (++depth_ > kMaxDepth) return Error(absl::StrCat("the expression nests deeper than ", kMaxDepth, " levels"));
    absl::StatusOr<NodePtr> node = ExprAtDepth();
    --depth_;
    return node;
  }

  absl::StatusOr<NodePtr> ExprAtDepth() {
    absl::StatusOr<NodePtr> condition = Or();
    if (!condition.ok() || !Accept("?")) return condition;
    absl::StatusOr<NodePtr> yes = Expr();
    if (!yes.ok()) return yes;
    if (absl::Status s = Expect(":"); !s.ok()) return s;
    absl::StatusOr<NodePtr> no = Expr();
    if (!no.ok()) return no;
    NodePtr node = Make(Node::kTernary);
    node->children.push_back(std::move(*condition));
    node->children.push_back(std::move(*yes));
    node->children.push_back(std::move(*no));
    return node;
  }

  // Left-associative binary levels: || then && then relations, sums, products.
  absl::StatusOr<NodePtr> Or() { return Level(0); }

  absl::StatusOr<NodePtr> Level(int level) {
    static const std::vector<std::vector<std::string>> kLevels = {
        {"||"}, {"&&"}, {"<", "<=", ">", ">=", "==", "!=", "in"}, {"+", "-"}, {"*", "/", "%"}};
    if (level == static_cast<int>(kLevels.size())) return Unary();
    absl::StatusOr<NodePtr> left = Level(level + 1);
    if (!left.ok()) return left;
    NodePtr node = std::move(*left);
    for (;;) {
      std::string op;
      for (const std::string& candidate : kLevels[level]) {
        const bool word = candidate == "in" && Peek().kind == Token::kIdent && Peek().text == "in";
        if (word || (Peek().kind == Token::kPunct && Peek().text == candidate)) op = candidate;
      }
      if (op.empty()) return node;
      ++at_;
      absl::StatusOr<NodePtr> right = Level(level + 1);
      if (!right.ok()) return right;
      NodePtr parent = Make(op == "||" ? Node::kOr : op == "&&" ? Node::kAnd : Node::kBinary, op);
      parent->children.push_back(std::move(node));
      parent->children.push_back(std::move(*right));
      node = std::move(parent);
    }
  }

  absl::StatusOr<NodePtr> Unary() {
    // A rule comes from a CRD anyone with that right can write: bound the
    // recursion (cel-go bounds it too) instead of overflowing the stack.
    if (++depth_ > kMaxDepth) return Error(absl::StrCat("the expression nests deeper than ", kMaxDepth, " levels"));
    absl::StatusOr<NodePtr> node = UnaryAtDepth();
    --depth_;
    return node;
  }

  absl::StatusOr<NodePtr> UnaryAtDepth() {
    if (IsPunct("!") || IsPunct("-")) {
      const std::string op = Peek().text;
      ++at_;
      absl::StatusOr<NodePtr> operand = Unary();
      if (!operand.ok()) return operand;
      NodePtr node = Make(Node::kUnary, op);
      node->children.push_back(std::move(*operand));
      return node;
    }
    return Member();
  }

  absl::StatusOr<std::vector<NodePtr>> Args(const char* close) {
    std::vector<NodePtr> args;
    if (Accept(close)) return args;
    for (;;) {
      absl::StatusOr<NodePtr> arg = Expr();
      if (!arg.ok()) return arg.status();
      args.push_back(std::move(*arg));
      if (Accept(close)) return args;
      if (absl::Status s = Expect(","); !s.ok()) return s;
    }
  }

  absl::StatusOr<NodePtr> Member() {
    absl::StatusOr<NodePtr> primary = Primary();
    if (!primary.ok()) return primary;
    NodePtr node = std::move(*primary);
    for (;;) {
      if (Accept(".")) {
        if (Peek().kind != Token::kIdent) return Error("expected a field or method name after '.'");
        const std::string name = tokens_[at_++].text;
        if (!Accept("(")) {
          NodePtr select = Make(Node::kSelect, name);
          select->children.push_back(std::move(node));
          node = std::move(select);
          continue;
        }
        absl::StatusOr<NodePtr> method = Method(std::move(node), name);
        if (!method.ok()) return method;
        node = std::move(*method);
      } else if (Accept("[")) {
        absl::StatusOr<NodePtr> index = Expr();
        if (!index.ok()) return index;
        if (absl::Status s = Expect("]"); !s.ok()) return s;
        NodePtr indexed = Make(Node::kIndex);
        indexed->children.push_back(std::move(node));
        indexed->children.push_back(std::move(*index));
        node = std::move(indexed);
      } else {
        return node;
      }
    }
  }

  absl::StatusOr<NodePtr> Method(NodePtr target, const std::string& name) {
    static const char* const kMacros[] = {"all", "exists", "exists_one", "map", "filter"};
    for (const char* macro : kMacros) {
      if (name != macro) continue;
      if (Peek().kind != Token::kIdent) return Error(absl::StrCat(name, "() takes a variable name first"));
      NodePtr node = Make(Node::kMacro, tokens_[at_++].text);
      node->macro = name;
      if (absl::Status s = Expect(","); !s.ok()) return s;
      absl::StatusOr<NodePtr> body = Expr();
      if (!body.ok()) return body;
      if (absl::Status s = Expect(")"); !s.ok()) return s;
      node->children.push_back(std::move(target));
      node->children.push_back(std::move(*body));
      return node;
    }
    absl::StatusOr<std::vector<NodePtr>> args = Args(")");
    if (!args.ok()) return args.status();
    NodePtr node = Make(Node::kMethod, name);
    node->children.push_back(std::move(target));
    for (NodePtr& arg : *args) node->children.push_back(std::move(arg));
    return node;
  }

  absl::StatusOr<NodePtr> Primary() {
    const Token token = Peek();
    ++at_;
    switch (token.kind) {
      case Token::kInt: {
        int64_t value = 0;
        std::string digits = token.text;
        if (!digits.empty() && (digits.back() == 'u' || digits.back() == 'U')) digits.pop_back();
        if (!absl::SimpleAtoi(digits, &value)) return Error(absl::StrCat("bad integer ", token.text));
        NodePtr node = Make(Node::kLiteral);
        node->literal = value;
        return node;
      }
      case Token::kDouble: {
        double value = 0;
        if (!absl::SimpleAtod(token.text, &value)) return Error(absl::StrCat("bad number ", token.text));
        NodePtr node = Make(Node::kLiteral);
        node->literal = value;
        return node;
      }
      case Token::kString: {
        NodePtr node = Make(Node::kLiteral);
        node->literal = json::string(token.text);
        return node;
      }
      case Token::kIdent:
        return Identifier(token.text);
      case Token::kPunct:
        if (token.text == "(") {
          absl::StatusOr<NodePtr> inner = Expr();
          if (!inner.ok()) return inner;
          if (absl::Status s = Expect(")"); !s.ok()) return s;
          return inner;
        }
        if (token.text == "[") {
          absl::StatusOr<std::vector<NodePtr>> items = Args("]");
          if (!items.ok()) return items.status();
          NodePtr node = Make(Node::kList);
          node->children = std::move(*items);
          return node;
        }
        if (token.text == "{") return MapLiteral();
        return Error(absl::StrCat("unexpected '", token.text, "'"));
      case Token::kEnd:
        return Error("unexpected end of expression");
    }
    return Error("unexpected token");
  }

  absl::StatusOr<NodePtr> MapLiteral() {
    NodePtr node = Make(Node::kMap);
    if (Accept("}")) return node;
    for (;;) {
      absl::StatusOr<NodePtr> key = Expr();
      if (!key.ok()) return key;
      if (absl::Status s = Expect(":"); !s.ok()) return s;
      absl::StatusOr<NodePtr> value = Expr();
      if (!value.ok()) return value;
      node->children.push_back(std::move(*key));
      node->children.push_back(std::move(*value));
      if (Accept("}")) return node;
      if (absl::Status s = Expect(","); !s.ok()) return s;
    }
  }

  absl::StatusOr<NodePtr> Identifier(const std::string& name) {
    if (name == "true" || name == "false" || name == "null") {
      NodePtr node = Make(Node::kLiteral);
      if (name != "null") node->literal = name == "true";
      return node;
    }
    if (!Accept("(")) return Make(Node::kIdent, name);
    if (name == "has") {
      absl::StatusOr<NodePtr> arg = Expr();
      if (!arg.ok()) return arg;
      if ((*arg)->kind != Node::kSelect) return Error("has() takes a field selection, e.g. has(self.min)");
      if (absl::Status s = Expect(")"); !s.ok()) return s;
      NodePtr node = Make(Node::kHas);
      node->children.push_back(std::move(*arg));
      return node;
    }
    absl::StatusOr<std::vector<NodePtr>> args = Args(")");
    if (!args.ok()) return args.status();
    NodePtr node = Make(Node::kCall, name);
    node->children = std::move(*args);
    return node;
  }

  static constexpr int kMaxDepth = 250;
  std::vector<Token> tokens_;
  size_t at_ = 0;
  int depth_ = 0;
};

// --- Evaluation ----------------------------------------------------------------

using Value = absl::StatusOr<json::value>;

absl::Status EvalError(const std::string& what) { return absl::FailedPreconditionError(what); }

const char* TypeOf(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64:
    case json::kind::uint64: return "int";
    case json::kind::double_: return "double";
    case json::kind::string: return "string";
    case json::kind::bool_: return "bool";
    case json::kind::array: return "list";
    case json::kind::object: return "map";
    case json::kind::null: return "null_type";
  }
  return "unknown";
}

bool IsInt(const json::value& v) { return v.is_int64() || v.is_uint64(); }
int64_t AsInt(const json::value& v) { return v.is_int64() ? v.get_int64() : static_cast<int64_t>(v.get_uint64()); }
double AsDouble(const json::value& v) { return v.is_double() ? v.get_double() : static_cast<double>(AsInt(v)); }

absl::Status NoOverload(const std::string& op, const json::value& a, const json::value& b) {
  return EvalError(absl::StrCat("no matching overload for '", op, "' applied to '(", TypeOf(a), ", ", TypeOf(b),
                                ")'"));
}

bool Equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return AsDouble(a) == AsDouble(b) && (!IsInt(a) || !IsInt(b) || AsInt(a) == AsInt(b));
  return a == b;
}

class Evaluator {
 public:
  explicit Evaluator(std::map<std::string, json::value> variables) : variables_(std::move(variables)) {}

  Value Eval(const Node& node) {
    switch (node.kind) {
      case Node::kLiteral: return node.literal;
      case Node::kIdent: {
        auto it = variables_.find(node.name);
        if (it == variables_.end()) return EvalError(absl::StrCat("undeclared reference to '", node.name, "'"));
        return it->second;
      }
      case Node::kSelect: return Select(node);
      case Node::kIndex: return Index(node);
      case Node::kHas: return Has(node);
      case Node::kUnary: return Unary(node);
      case Node::kAnd:
      case Node::kOr: return Logic(node);
      case Node::kTernary: {
        Value condition = Eval(*node.children[0]);
        if (!condition.ok()) return condition;
        if (!condition->is_bool()) return EvalError("no matching overload for '_?_:_'");
        return Eval(*node.children[condition->get_bool() ? 1 : 2]);
      }
      case Node::kBinary: return Binary(node);
      case Node::kList: {
        json::array list;
        for (const NodePtr& child : node.children) {
          Value item = Eval(*child);
          if (!item.ok()) return item;
          list.push_back(std::move(*item));
        }
        return json::value(std::move(list));
      }
      case Node::kMap: {
        json::object map;
        for (size_t i = 0; i + 1 < node.children.size(); i += 2) {
          Value key = Eval(*node.children[i]);
          Value value = Eval(*node.children[i + 1]);
          if (!key.ok()) return key;
          if (!value.ok()) return value;
          if (!key->is_string()) return EvalError("map keys here must be strings");
          map[key->get_string()] = std::move(*value);
        }
        return json::value(std::move(map));
      }
      case Node::kCall: return Call(node);
      case Node::kMethod: return Method(node);
      case Node::kMacro: return Macro(node);
    }
    return EvalError("unsupported expression");
  }

 private:
  Value Select(const Node& node) {
    Value base = Eval(*node.children[0]);
    if (!base.ok()) return base;
    if (!base->is_object()) return EvalError(absl::StrCat("no such key: ", node.name));
    const json::value* field = base->get_object().if_contains(node.name);
    if (field == nullptr) return EvalError(absl::StrCat("no such key: ", node.name));
    return *field;
  }

  Value Has(const Node& node) {
    const Node& select = *node.children[0];
    Value base = Eval(*select.children[0]);
    if (!base.ok()) return base;
    if (!base->is_object()) return EvalError(absl::StrCat("invalid type for field selection: ", TypeOf(*base)));
    return json::value(base->get_object().contains(select.name));
  }

  Value Index(const Node& node) {
    Value base = Eval(*node.children[0]);
    Value index = Eval(*node.children[1]);
    if (!base.ok()) return base;
    if (!index.ok()) return index;
    if (base->is_array() && IsInt(*index)) {
      const int64_t i = AsInt(*index);
      if (i < 0 || i >= static_cast<int64_t>(base->get_array().size())) {
        return EvalError(absl::StrCat("index out of bounds: ", i));
      }
      return base->get_array()[static_cast<size_t>(i)];
    }
    if (base->is_object() && index->is_string()) {
      const json::value* field = base->get_object().if_contains(index->get_string());
      if (field == nullptr) return EvalError(absl::StrCat("no such key: ", std::string(index->get_string())));
      return *field;
    }
    return NoOverload("_[_]", *base, *index);
  }

  Value Unary(const Node& node) {
    Value operand = Eval(*node.children[0]);
    if (!operand.ok()) return operand;
    if (node.name == "!") {
      if (!operand->is_bool()) return EvalError(absl::StrCat("no matching overload for '!_' applied to '(", TypeOf(*operand), ")'"));
      return json::value(!operand->get_bool());
    }
    if (IsInt(*operand)) return json::value(-AsInt(*operand));
    if (operand->is_double()) return json::value(-operand->get_double());
    return EvalError(absl::StrCat("no matching overload for '-_' applied to '(", TypeOf(*operand), ")'"));
  }

  // && and ||, commutative over errors as CEL defines them.
  Value Logic(const Node& node) {
    const bool is_and = node.kind == Node::kAnd;
    Value left = Eval(*node.children[0]);
    if (left.ok() && left->is_bool() && left->get_bool() != is_and) return *left;  // false && _, true || _
    Value right = Eval(*node.children[1]);
    if (right.ok() && right->is_bool() && right->get_bool() != is_and) return *right;
    if (!left.ok()) return left;
    if (!right.ok()) return right;
    if (!left->is_bool() || !right->is_bool()) return NoOverload(is_and ? "_&&_" : "_||_", *left, *right);
    return json::value(is_and);
  }

  Value Binary(const Node& node) {
    Value left = Eval(*node.children[0]);
    if (!left.ok()) return left;
    Value right = Eval(*node.children[1]);
    if (!right.ok()) return right;
    const std::string& op = node.name;
    const json::value& a = *left;
    const json::value& b = *right;
    if (op == "==") return json::value(Equal(a, b));
    if (op == "!=") return json::value(!Equal(a, b));
    if (op == "in") return In(a, b);
    if (op == "<" || op == "<=" || op == ">" || op == ">=") return Compare(op, a, b);
    return Arithmetic(op, a, b);
  }

  Value In(const json::value& item, const json::value& container) {
    if (container.is_array()) {
      for (const json::value& element : container.get_array()) {
        if (Equal(element, item)) return json::value(true);
      }
      return json::value(false);
    }
    if (container.is_object() && item.is_string()) return json::value(container.get_object().contains(item.get_string()));
    return NoOverload("@in", item, container);
  }

  Value Compare(const std::string& op, const json::value& a, const json::value& b) {
    int order = 0;
    if (a.is_number() && b.is_number()) {
      if (IsInt(a) && IsInt(b)) {
        order = AsInt(a) < AsInt(b) ? -1 : AsInt(a) > AsInt(b) ? 1 : 0;
      } else {
        order = AsDouble(a) < AsDouble(b) ? -1 : AsDouble(a) > AsDouble(b) ? 1 : 0;
      }
    } else if (a.is_string() && b.is_string()) {
      const int c = a.get_string().compare(b.get_string());
      order = c < 0 ? -1 : c > 0 ? 1 : 0;
    } else if (a.is_bool() && b.is_bool()) {
      order = static_cast<int>(a.get_bool()) - static_cast<int>(b.get_bool());
    } else {
      return NoOverload(op, a, b);
    }
    const bool result = op == "<" ? order < 0 : op == "<=" ? order <= 0 : op == ">" ? order > 0 : order >= 0;
    return json::value(result);
  }

  Value Arithmetic(const std::string& op, const json::value& a, const json::value& b) {
    if (IsInt(a) && IsInt(b)) {
      const int64_t x = AsInt(a);
      const int64_t y = AsInt(b);
      if ((op == "/" || op == "%") && y == 0) return EvalError(op == "/" ? "division by zero" : "modulus by zero");
      if (op == "+") return json::value(x + y);
      if (op == "-") return json::value(x - y);
      if (op == "*") return json::value(x * y);
      if (op == "/") return json::value(x / y);
      return json::value(x % y);
    }
    if (a.is_double() && b.is_double() && op != "%") {
      const double x = a.get_double();
      const double y = b.get_double();
      return json::value(op == "+" ? x + y : op == "-" ? x - y : op == "*" ? x * y : x / y);
    }
    if (op == "+" && a.is_string() && b.is_string()) {
      return json::value(json::string(absl::StrCat(std::string(a.get_string()), std::string(b.get_string()))));
    }
    if (op == "+" && a.is_array() && b.is_array()) {
      json::array joined = a.get_array();
      for (const json::value& v : b.get_array()) joined.push_back(v);
      return json::value(std::move(joined));
    }
    return NoOverload(op, a, b);
  }

  static Value Size(const json::value& v) {
    if (v.is_string()) return json::value(static_cast<int64_t>(v.get_string().size()));
    if (v.is_array()) return json::value(static_cast<int64_t>(v.get_array().size()));
    if (v.is_object()) return json::value(static_cast<int64_t>(v.get_object().size()));
    return EvalError(absl::StrCat("no matching overload for 'size' applied to '(", TypeOf(v), ")'"));
  }

  Value Call(const Node& node) {
    if (node.children.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat("compilation failed: undeclared reference to '", node.name, "'"));
    }
    Value arg = Eval(*node.children[0]);
    if (!arg.ok()) return arg;
    if (node.name == "size") return Size(*arg);
    if (node.name == "int") {
      if (IsInt(*arg)) return *arg;
      if (arg->is_double()) return json::value(static_cast<int64_t>(arg->get_double()));
      int64_t parsed = 0;
      if (arg->is_string() && absl::SimpleAtoi(std::string(arg->get_string()), &parsed)) return json::value(parsed);
      return EvalError("int() cannot convert its argument");
    }
    if (node.name == "double") {
      if (arg->is_number()) return json::value(AsDouble(*arg));
      double parsed = 0;
      if (arg->is_string() && absl::SimpleAtod(std::string(arg->get_string()), &parsed)) return json::value(parsed);
      return EvalError("double() cannot convert its argument");
    }
    if (node.name == "string") {
      if (arg->is_string()) return *arg;
      if (IsInt(*arg)) return json::value(json::string(absl::StrCat(AsInt(*arg))));
      if (arg->is_bool()) return json::value(json::string(arg->get_bool() ? "true" : "false"));
      if (arg->is_double()) return json::value(json::string(json::serialize(*arg)));
      return EvalError("string() cannot convert its argument");
    }
    return absl::InvalidArgumentError(absl::StrCat("compilation failed: undeclared reference to '", node.name,
                                                   "' (not in the subset the embedded API server evaluates)"));
  }

  Value Method(const Node& node) {
    std::vector<json::value> args;
    for (const NodePtr& child : node.children) {
      Value v = Eval(*child);
      if (!v.ok()) return v;
      args.push_back(std::move(*v));
    }
    const json::value& target = args[0];
    if (node.name == "size" && args.size() == 1) return Size(target);
    if (target.is_string()) {
      const std::string text(target.get_string());
      if (args.size() == 1) {
        if (node.name == "lowerAscii") return json::value(json::string(absl::AsciiStrToLower(text)));
        if (node.name == "upperAscii") return json::value(json::string(absl::AsciiStrToUpper(text)));
        if (node.name == "trim") return json::value(json::string(std::string(absl::StripAsciiWhitespace(text))));
      }
      if (args.size() == 2 && args[1].is_string()) {
        const std::string arg(args[1].get_string());
        if (node.name == "startsWith") return json::value(absl::StartsWith(text, arg));
        if (node.name == "endsWith") return json::value(absl::EndsWith(text, arg));
        if (node.name == "contains") return json::value(absl::StrContains(text, arg));
        if (node.name == "matches") {
          try {
            return json::value(std::regex_search(text, std::regex(arg, std::regex::ECMAScript)));
          } catch (const std::regex_error&) {
            return EvalError(absl::StrCat("invalid regular expression: ", arg));
          }
        }
      }
    }
    static const char* const kKnown[] = {"size", "lowerAscii", "upperAscii", "trim", "startsWith", "endsWith",
                                         "contains", "matches"};
    for (const char* known : kKnown) {
      if (node.name == known) {
        return EvalError(absl::StrCat("no matching overload for '", node.name, "' applied to '(", TypeOf(target),
                                      ")'"));
      }
    }
    return absl::InvalidArgumentError(absl::StrCat("compilation failed: undeclared reference to '", node.name,
                                                   "' (not in the subset the embedded API server evaluates)"));
  }

  Value Macro(const Node& node) {
    Value target = Eval(*node.children[0]);
    if (!target.ok()) return target;
    std::vector<json::value> items;
    if (target->is_array()) {
      items.assign(target->get_array().begin(), target->get_array().end());
    } else if (target->is_object()) {
      for (const auto& entry : target->get_object()) items.emplace_back(json::string(entry.key()));
    } else {
      return EvalError(absl::StrCat(node.macro, "() applies to lists and maps, not ", TypeOf(*target)));
    }
    const auto saved = variables_.find(node.name) == variables_.end()
                           ? std::optional<json::value>()
                           : std::optional<json::value>(variables_[node.name]);
    json::array mapped;
    int64_t matches = 0;
    absl::Status error = absl::OkStatus();
    bool decided = false;
    for (const json::value& item : items) {
      variables_[node.name] = item;
      Value result = Eval(*node.children[1]);
      if (!result.ok()) {
        if (error.ok()) error = result.status();
        continue;
      }
      if (node.macro == "map") {
        mapped.push_back(std::move(*result));
        continue;
      }
      if (!result->is_bool()) {
        error = EvalError(absl::StrCat(node.macro, "() needs a bool predicate"));
        break;
      }
      const bool yes = result->get_bool();
      if (node.macro == "filter" && yes) mapped.push_back(item);
      matches += yes ? 1 : 0;
      if ((node.macro == "all" && !yes) || (node.macro == "exists" && yes)) {
        decided = true;
        break;
      }
    }
    if (saved.has_value()) {
      variables_[node.name] = *saved;
    } else {
      variables_.erase(node.name);
    }
    if (node.macro == "all") return decided ? json::value(false) : error.ok() ? Value(json::value(true)) : error;
    if (node.macro == "exists") return decided ? json::value(true) : error.ok() ? Value(json::value(false)) : error;
    if (!error.ok()) return error;
    if (node.macro == "exists_one") return json::value(matches == 1);
    return json::value(std::move(mapped));
  }

  std::map<std::string, json::value> variables_;
};

}  // namespace

// As CEL's type check: a function or method outside the subset is a
// compile error whatever the data, not an error only when reached.
absl::Status CheckFunctions(const Node& node) {
  static const char* const kFunctions[] = {"size", "int", "double", "string"};
  static const char* const kMethods[] = {"size",     "lowerAscii", "upperAscii", "trim",
                                         "startsWith", "endsWith", "contains",   "matches"};
  auto known = [](const std::string& name, const auto& list) {
    for (const char* entry : list) {
      if (name == entry) return true;
    }
    return false;
  };
  if ((node.kind == Node::kCall && !known(node.name, kFunctions)) ||
      (node.kind == Node::kMethod && !known(node.name, kMethods))) {
    return absl::InvalidArgumentError(absl::StrCat("compilation failed: undeclared reference to '", node.name,
                                                   "' (not in the subset the embedded API server evaluates)"));
  }
  for (const NodePtr& child : node.children) {
    if (absl::Status s = CheckFunctions(*child); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<json::value> EvaluateCel(const std::string& expression,
                                        const std::map<std::string, json::value>& variables) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(expression);
  if (!tokens.ok()) return tokens.status();
  Parser parser(std::move(*tokens));
  absl::StatusOr<NodePtr> tree = parser.ParseAll();
  if (!tree.ok()) return tree.status();
  if (absl::Status s = CheckFunctions(**tree); !s.ok()) return s;
  Evaluator evaluator(variables);
  return evaluator.Eval(**tree);
}

bool IsTransitionRule(const std::string& expression) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(expression);
  if (!tokens.ok()) return false;
  for (const Token& token : *tokens) {
    if (token.kind == Token::kIdent && token.text == "oldSelf") return true;
  }
  return false;
}

}  // namespace spillway::sim
