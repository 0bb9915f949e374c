// A thin RAII layer over SQLite's C API (Debian's libsqlite3), just enough for the run registry
// (registry.h): a connection, a prepared statement, and a transaction that rolls back unless
// committed. Every failure throws dnagrad::Error naming the database file and SQLite's own
// message, e.g. "runs.sqlite: PRAGMA journal_mode=WAL: file is not a database".
#pragma once
#include <cstdint>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace dnagrad::genomics {

class Database {
 public:
  // Opens `path`, creating it when missing. Writers wait up to `busy_timeout_ms` for a lock held
  // by another connection (another process or thread) before failing with SQLITE_BUSY.
  explicit Database(const std::string& path, int busy_timeout_ms = 10000);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows.
  void exec(const std::string& sql);
  int64_t last_insert_id() const;
  int64_t changes() const;  // rows changed by the last INSERT, UPDATE or DELETE
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  // Throws "PATH: WHAT: <SQLite's last message>".
  [[noreturn]] void fail_with(const std::string& what) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// One prepared statement. Parameters are numbered from 1 (`?1`, `?2`, ...); columns from 0.
class Statement {
 public:
  Statement(Database& db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);  // NaN and infinities are stored as NULL
  Statement& bind(int index, const std::string& value);
  Statement& bind_null(int index);

  // Advances to the next row: true when one is ready to read, false when the statement is done.
  bool step();
  // Runs a statement that returns no rows, then makes it ready to run again with new bindings.
  void run();

  bool is_null(int column) const;
  int64_t int64(int column) const;
  double real(int column) const;       // NULL reads as NaN
  std::string text(int column) const;  // NULL reads as ""

 private:
  Database& db_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction (takes the write lock at once, so two writers queue on the busy
// timeout instead of deadlocking on a lock upgrade); ROLLBACK on destruction unless commit() was
// called. So a function that throws half-way through its inserts leaves the database as it was.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace dnagrad::genomics
