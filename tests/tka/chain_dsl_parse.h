// The textual part of the test-chain language (upstream tka/chaintest_test.go):
// a drawing of a tree of AUMs plus per-AUM tweaks, e.g.
//
//     G1 -> A -> B
//           | -> C        (C's parent is the A written directly above '|')
//     C.hashSeed = 2      (tweaks: hashSeed, template, signedWith)
//     // comments run to the end of the line
//
// This header only turns the text into a graph of named nodes; chain_dsl.h
// builds AUMs from it. Positions follow Go's text/scanner: 1-based lines, and
// the column just after the token, which is what the '|' lookup compares.
#pragma once

#include <cctype>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace latchkey::tka::testing {

struct DslPosition {
  int line = 0;
  int column = 0;  // column just after the token (Go text/scanner Pos())
};

struct DslNode {
  std::string name;
  std::string parent;
  std::vector<DslPosition> uses;
  int hash_seed = 0;
  std::string template_name;
  std::string signed_with;
};

struct DslGraph {
  std::string first_ident;
  std::map<std::string, DslNode> nodes;
};

namespace dsl_detail {

enum class TokenKind { kEnd, kIdent, kInt, kChar };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  DslPosition end;  // position just after the token
};

class Scanner {
 public:
  explicit Scanner(std::string text) : text_(std::move(text)) {}

  Token scan() {
    skip_space_and_comments();
    Token tok;
    if (pos_ >= text_.size()) {
      tok.end = here();
      return tok;
    }
    char c = text_[pos_];
    if (c == '\t') throw std::invalid_argument("tabs disallowed in test chains, use spaces");
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t start = pos_;
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
        advance();
      }
      tok.kind = TokenKind::kIdent;
      tok.text = text_.substr(start, pos_ - start);
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) advance();
      tok.kind = TokenKind::kInt;
      tok.text = text_.substr(start, pos_ - start);
    } else {
      advance();
      tok.kind = TokenKind::kChar;
      tok.text = std::string(1, c);
    }
    tok.end = here();
    return tok;
  }

  // The next raw character, without consuming it (Go's Scanner.Peek).
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

 private:
  DslPosition here() const { return {line_, column_}; }

  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }

  void skip_space_and_comments() {
    for (;;) {
      while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r')) advance();
      if (pos_ + 1 < text_.size() && text_[pos_] == '/' && text_[pos_ + 1] == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') advance();
        continue;
      }
      return;
    }
  }

  std::string text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

inline void record_pos(DslGraph& g, const std::string& ident, DslPosition pos) {
  auto& n = g.nodes[ident];
  n.name = ident;
  n.uses.push_back(pos);
}

inline void record_parent(DslGraph& g, const std::string& child, const std::string& parent) {
  auto& n = g.nodes[child];
  if (!n.parent.empty() && n.parent != parent) {
    throw std::invalid_argument("differing parent specified for " + child + ": " + n.parent + " != " + parent);
  }
  n.parent = parent;
}

}  // namespace dsl_detail

// Parses the drawing and tweaks into a graph (no AUMs yet).
inline DslGraph parse_chain_dsl(const std::string& input) {
  using namespace dsl_detail;
  DslGraph g;
  Scanner s(input);
  std::string last_ident;
  bool last_was_chain = false;
  for (Token tok = s.scan(); tok.kind != TokenKind::kEnd; tok = s.scan()) {
    if (tok.kind == TokenKind::kChar && tok.text == ".") {
      Token tweak = s.scan();
      Token eq = s.scan();
      if (eq.kind == TokenKind::kChar && eq.text == "=") {
        Token value = s.scan();
        auto& node = g.nodes.at(last_ident);
        if (tweak.text == "hashSeed") {
          node.hash_seed = std::stoi(value.text);
        } else if (tweak.text == "template") {
          node.template_name = value.text;
        } else if (tweak.text == "signedWith") {
          node.signed_with = value.text;
        }
      }
    } else if (tok.kind == TokenKind::kIdent) {
      record_pos(g, tok.text, tok.end);
      if (last_was_chain) record_parent(g, tok.text, last_ident);
      last_ident = tok.text;
      if (g.first_ident.empty()) g.first_ident = tok.text;
    } else if (tok.kind == TokenKind::kChar && tok.text == "-") {
      if (s.peek() == '>') {
        s.scan();
        last_was_chain = true;
        continue;
      }
    } else if (tok.kind == TokenKind::kChar && tok.text == "|") {
      int line = tok.end.line, col = tok.end.column;
      bool found = false;
      for (auto& [name, node] : g.nodes) {
        for (const auto& p : node.uses) {
          int len = static_cast<int>(name.size());
          if (p.line == line - 1 && col <= p.column && col > p.column - len) {
            last_ident = name;
            found = true;
            break;
          }
        }
        if (found) {
          record_pos(g, last_ident, tok.end);
          break;
        }
      }
    }
    last_was_chain = false;
  }
  return g;
}

}  // namespace latchkey::tka::testing
