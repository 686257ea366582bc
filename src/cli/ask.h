// The answer commands of `glassbox` (src/cli/ask.cc): ask, ingest-faq, eval-answers, eval-faq.
#pragma once

namespace glassbox::cli {

int CmdAsk(int argc, char** argv);
int CmdIngestFaq(int argc, char** argv);
int CmdEvalAnswers(int argc, char** argv);
int CmdEvalFaq(int argc, char** argv);

}  // namespace glassbox::cli
