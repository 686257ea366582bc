// `glassbox sql`, `glassbox tables`, `glassbox eval-sql` (docs/cli.md, docs/tables.md).
#pragma once

namespace glassbox::cli {

int CmdSql(int argc, char** argv);
int CmdTables(int argc, char** argv);
int CmdEvalSql(int argc, char** argv);

}  // namespace glassbox::cli
