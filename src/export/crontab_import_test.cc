// ImportCrontabs: each rule of docs/import-crontab.md on small crontabs, every
// output loaded with the job file loader, and a test by meaning: the next
// elapses of the imported jobs, as the loader reads them, are the times an
// independent cron matcher (written here) accepts, in the crontab's zone.
#include "export/crontab_import.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "job/config_loader.h"
#include "os/file_system.h"
#include "test_util.h"
#include "time/calendar_spec.h"
#include "time/timestamp.h"

namespace surety {
namespace {

using testing_util::Shell;
using testing_util::ShellQuote;

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CrontabImportTest : public testing::Test {
 protected:
  // Imports `sources`; the import must succeed and its job file load.
  CrontabImport Import(const std::vector<CrontabSource>& sources) {
    auto r = ImportCrontabs(sources, zones_, *local_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return {};
    loaded_ = Load(r->job_file);
    return *r;
  }
  CrontabImport Import(const std::string& text, bool system = false) {
    return Import({CrontabSource{"crontab", text, system, ""}});
  }
  // The job file loader's reading of `text`, which must have no error.
  Config Load(const std::string& text) {
    fs_.AddFile("/etc/surety/imported.toml", text, 0600);
    LoadContext ctx{fs_, env_, zones_, *local_, true, "host1"};
    LoadResult r = LoadConfig({"/etc/surety/imported.toml"}, ctx);
    std::string errors;
    for (const auto& e : r.errors) errors += e.ToString() + "\n";
    EXPECT_TRUE(r.config) << errors << "in:\n" << text;
    return r.config ? *r.config : Config{};
  }
  const JobSpec& Job(const std::string& name) {
    static const JobSpec kNone;
    auto it = loaded_.jobs.find(name);
    EXPECT_NE(it, loaded_.jobs.end()) << "no job " << name;
    return it == loaded_.jobs.end() ? kNone : it->second;
  }
  std::vector<std::string> JobNames() const {
    std::vector<std::string> names;
    for (const auto& [name, job] : loaded_.jobs) names.push_back(name);
    return names;
  }

  FakeFileSystem fs_;
  MapEnv env_;
  ZoneDb zones_;
  std::shared_ptr<const Zone> local_ = zones_.LocalFromTz(std::string(":Europe/Berlin"));
  Config loaded_;
};

TEST_F(CrontabImportTest, JobNamesComeFromTheProgramAndAreUnique) {
  const CrontabImport r = Import(
      "0 1 * * * /usr/local/bin/backup.sh --full\n"
      "0 2 * * * /usr/local/bin/backup.sh --incremental\n"
      "0 3 * * * /opt/backup.py\n"
      "17 * * * * cd / && run-parts --report /etc/cron.hourly\n"
      "0 4 * * * nice -n 19 ionice -c3 pg_dump -f /b/db.dump app\n"
      "0 5 * * * LANG=C /usr/bin/python3 -u /opt/Sync_Photos.py\n"
      "0 6 * * * test -x /usr/sbin/anacron || { cd / && run-parts /etc/cron.daily/; }\n"
      "0 7 * * * flock -n /run/x.lock rsync -a /src /dst\n"
      "0 8 * * * '/opt/My Tools/Ünïcode!.sh'\n"
      "*/5 * * * * /usr/local/bin/check.sh\n");
  EXPECT_TRUE(r.refused.empty());
  // "check" is the dead-man's switch's unit name in `export systemd`.
  EXPECT_EQ(r.jobs,
            (std::vector<std::string>{"backup", "backup-2", "backup-3", "cron-hourly", "pg_dump",
                                      "sync_photos", "cron-daily", "rsync", "my", "check-2"}));
  EXPECT_EQ(loaded_.jobs.size(), 10u);
  EXPECT_EQ(Job("backup-2").command.argv.back(), "/usr/local/bin/backup.sh --incremental");
}

TEST_F(CrontabImportTest, MailtoBecomesAnEmailAlertOfTheJobsBelowIt) {
  const CrontabImport r = Import(
      "0 1 * * * /bin/a\n"
      "MAILTO=ops@example.com\n"
      "0 2 * * * /bin/b\n"
      "MAILTO=\"\"\n"
      "0 3 * * * /bin/c\n"
      "MAILTO = \"dba@example.com, ops@example.com\"\n"
      "MAILFROM=cron@db1.example.com\n"
      "0 4 * * * /bin/d\n"
      "MAILFROM=\n"
      "MAILTO=ops@example.com\n"
      "0 5 * * * /bin/e\n");
  EXPECT_TRUE(r.refused.empty());
  ASSERT_EQ(loaded_.alerts.size(), 2u) << r.job_file;
  const AlertSpec& ops = loaded_.alerts.at("mail-ops-example-com");
  EXPECT_EQ(ops.kind, AlertKind::kEmail);
  EXPECT_EQ(ops.to, "ops@example.com");
  EXPECT_EQ(ops.from, "");
  const AlertSpec& both = loaded_.alerts.at("mail-dba-example-com-ops-example-com");
  EXPECT_EQ(both.to, "dba@example.com, ops@example.com");
  EXPECT_EQ(both.from, "cron@db1.example.com");
  EXPECT_TRUE(Job("a").alert.empty());  // no MAILTO yet: cron mails the owner
  EXPECT_EQ(Job("b").alert, std::vector<std::string>{"mail-ops-example-com"});
  EXPECT_TRUE(Job("c").alert.empty());  // MAILTO="": no mail
  EXPECT_EQ(Job("d").alert, std::vector<std::string>{"mail-dba-example-com-ops-example-com"});
  EXPECT_EQ(Job("e").alert, std::vector<std::string>{"mail-ops-example-com"});
  // Consumed, not passed on as variables.
  EXPECT_FALSE(Job("b").environment.count("MAILTO"));
  EXPECT_FALSE(Job("d").environment.count("MAILFROM"));
}

TEST_F(CrontabImportTest, CronTzAndTzBecomeTheZoneOfTheSchedule) {
  const CrontabImport r = Import(
      "0 2 * * * /bin/a\n"
      "CRON_TZ=Asia/Tokyo\n"
      "0 2 * * * /bin/b\n"
      "TZ=:America/New_York\n"
      "0 2 * * * /bin/c\n"
      "CRON_TZ=\n"
      "0 2 * * * /bin/d\n"
      "@daily /bin/e\n"
      "CRON_TZ=UTC\n"
      "0 0 1,15 * 1 /bin/f\n");
  EXPECT_TRUE(r.refused.empty());
  EXPECT_EQ(Job("a").schedule_text, std::vector<std::string>{"*-*-* 02:00:00"});
  EXPECT_EQ(Job("b").schedule_text, std::vector<std::string>{"*-*-* 02:00:00 Asia/Tokyo"});
  // CRON_TZ wins over TZ, wherever each is; TZ stays for the programs.
  EXPECT_EQ(Job("c").schedule_text, std::vector<std::string>{"*-*-* 02:00:00 Asia/Tokyo"});
  EXPECT_EQ(Job("c").environment.at("TZ"), ":America/New_York");
  // An empty CRON_TZ is none: TZ says then.
  EXPECT_EQ(Job("d").schedule_text, std::vector<std::string>{"*-*-* 02:00:00 America/New_York"});
  EXPECT_FALSE(Job("d").environment.count("CRON_TZ"));
  EXPECT_EQ(Job("e").schedule_text, std::vector<std::string>{"*-*-* 00:00:00 America/New_York"});
  EXPECT_EQ(Job("f").schedule_text,
            (std::vector<std::string>{"*-*-01,15 00:00:00 UTC", "Mon *-*-* 00:00:00 UTC"}));

  // Without CRON_TZ, TZ is the schedule's zone.
  const CrontabImport tz = Import("TZ=Europe/Lisbon\n30 6 * * * /bin/g\n");
  EXPECT_EQ(Job("g").schedule_text, std::vector<std::string>{"*-*-* 06:30:00 Europe/Lisbon"});
  EXPECT_EQ(Job("g").environment.at("TZ"), "Europe/Lisbon");
}

TEST_F(CrontabImportTest, AnUnknownZoneRefusesItselfAndTheJobsBelowIt) {
  const CrontabImport r = Import(
      "0 1 * * * /bin/a\n"
      "CRON_TZ=Mars/Olympus\n"
      "0 2 * * * /bin/b\n"
      "@reboot /bin/c\n"
      "CRON_TZ=Europe/Paris\n"
      "0 3 * * * /bin/d\n");
  ASSERT_EQ(r.refused.size(), 2u) << r.job_file;
  EXPECT_EQ(r.refused[0].line, 2);
  EXPECT_TRUE(Has(r.refused[0].reason, "Mars/Olympus")) << r.refused[0].reason;
  EXPECT_EQ(r.refused[1].line, 3);
  EXPECT_TRUE(Has(r.refused[1].reason, "CRON_TZ of line 2")) << r.refused[1].reason;
  // @reboot has no time to put in a zone.
  EXPECT_EQ(JobNames(), (std::vector<std::string>{"a", "c", "d"}));
  EXPECT_EQ(Job("d").schedule_text, std::vector<std::string>{"*-*-* 03:00:00 Europe/Paris"});
}

TEST_F(CrontabImportTest, RebootRunsOnBoot) {
  const CrontabImport r = Import("@reboot /usr/local/bin/warm-cache\n@REBOOT /bin/b\n");
  EXPECT_TRUE(r.refused.empty());
  const JobSpec& j = Job("warm-cache");
  ASSERT_TRUE(j.on_boot);
  EXPECT_EQ(j.on_boot->usec, 0u);
  EXPECT_TRUE(j.schedule.empty());
  EXPECT_FALSE(j.persistent);
  EXPECT_TRUE(Job("b").on_boot);
  EXPECT_TRUE(
      Has(r.job_file,
          "[jobs.warm-cache]\ncommand = \"/usr/local/bin/warm-cache\"\non_boot = \"0\"\n\n"))
      << r.job_file;
}

TEST_F(CrontabImportTest, NicknamesAndFieldsBecomeCalendarSpecs) {
  const CrontabImport r = Import(
      "@daily /bin/a\n@weekly /bin/b\n@hourly /bin/c\n@monthly /bin/d\n@yearly /bin/e\n"
      "*/15 9-17 * * mon-fri /bin/f\n");
  EXPECT_TRUE(r.refused.empty());
  EXPECT_EQ(Job("a").schedule_text, std::vector<std::string>{"*-*-* 00:00:00"});
  EXPECT_EQ(Job("b").schedule_text, std::vector<std::string>{"Sun *-*-* 00:00:00"});
  EXPECT_EQ(Job("c").schedule_text, std::vector<std::string>{"*-*-* *:00:00"});
  EXPECT_EQ(Job("d").schedule_text, std::vector<std::string>{"*-*-01 00:00:00"});
  EXPECT_EQ(Job("e").schedule_text, std::vector<std::string>{"*-01-01 00:00:00"});
  EXPECT_EQ(Job("f").schedule_text, std::vector<std::string>{"Mon..Fri *-*-* 09..17:00/15:00"});
  for (const char* name : {"a", "b", "c", "d", "e", "f"}) EXPECT_FALSE(Job(name).persistent);
  EXPECT_TRUE(Has(r.job_file,
                  "[jobs.a]\ncommand = \"/bin/a\"\nschedule = \"*-*-* 00:00:00\"\n"
                  "persistent = false\n"))
      << r.job_file;
}

TEST_F(CrontabImportTest, BothDayFieldsGiveTwoSpecs) {
  const CrontabImport r = Import("0 0 1,15 * 5 /bin/a\n0 0 */2 * 1 /bin/b\n");
  EXPECT_EQ(Job("a").schedule_text,
            (std::vector<std::string>{"*-*-01,15 00:00:00", "Fri *-*-* 00:00:00"}));
  EXPECT_EQ(Job("a").schedule.size(), 2u);
  EXPECT_TRUE(Has(r.job_file, "schedule = [\"*-*-01,15 00:00:00\", \"Fri *-*-* 00:00:00\"]"));
  EXPECT_EQ(Job("b").schedule_text, std::vector<std::string>{"Mon *-*-01..31/2 00:00:00"});
}

// What cron gives a command: run through /bin/sh as the import wrote it.
std::string RunShell(const std::string& command) {
  return Shell("/bin/sh -c " + ShellQuote(command) + " </dev/null").out;
}

TEST_F(CrontabImportTest, PercentEndsTheCommandAndTheRestIsItsInput) {
  const CrontabImport r = Import(
      "0 1 * * * date +\\%Y-\\%m-\\%d\n"
      "0 2 * * * cat%first line%second \\% line%\n"
      "0 3 * * * tr a-z A-Z; cat%one%two\n"
      "0 4 * * * cat%SURETY_INPUT%x\\y\n"
      "0 5 * * * printf '[\\%s]' 'a\\b' '\\\\'%ignored\n"
      "0 6 * * * cat%\n");
  EXPECT_TRUE(r.refused.empty());
  // `\%` is a `%`, and no input.
  EXPECT_EQ(Job("date").command.argv.back(), "date +%Y-%m-%d");
  // The rest is the input, `%` a line break, `\%` a `%`, a final line
  // break added (and not doubled).
  const std::string cat = Job("cat").command.argv.back();
  EXPECT_EQ(cat, "exec 0<<'SURETY_INPUT'\nfirst line\nsecond % line\nSURETY_INPUT\ncat");
  EXPECT_EQ(RunShell(cat), "first line\nsecond % line\n");
  // The whole command reads it, not only its first part.
  EXPECT_EQ(RunShell(Job("tr").command.argv.back()), "ONE\nTWO\n");
  // A line of the input that is the delimiter takes another delimiter.
  const std::string clash = Job("cat-2").command.argv.back();
  EXPECT_TRUE(Has(clash, "<<'SURETY_INPUT_2'")) << clash;
  EXPECT_EQ(RunShell(clash), "SURETY_INPUT\nx\\y\n");
  // A backslash before anything but `%` stays, also a second one: `\\%` is
  // two backslashes, then the end of the command.
  EXPECT_TRUE(Job("printf").command.argv.back().ends_with("\nprintf '[%s]' 'a\\b' '\\\\'"));
  EXPECT_EQ(RunShell(Job("printf").command.argv.back()), "[a\\b][\\\\]");
  EXPECT_EQ(RunShell(Job("cat-3").command.argv.back()), "");
  EXPECT_TRUE(Has(r.job_file, "# cron's `%` input"));
}

TEST_F(CrontabImportTest, TheUserColumnOfASystemCrontabBecomesUser) {
  const CrontabImport r = Import(
      "SHELL=/bin/sh\n"
      "PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n"
      "17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\n"
      "@daily postgres pg_dumpall -f /b/all.sql\n"
      "0 2 * * * 1000 /bin/a\n"
      "0 2 * * * root\n"
      "@weekly\n",
      /*system=*/true);
  ASSERT_EQ(r.refused.size(), 3u) << r.job_file;
  // Cron looks the user up by name (a number is none), and Quartz's
  // seconds or years would land here too.
  EXPECT_EQ(r.refused[0].line, 5);
  EXPECT_TRUE(Has(r.refused[0].reason, "`1000` after the five time fields looks like a sixth"))
      << r.refused[0].reason;
  EXPECT_EQ(r.refused[1].line, 6);
  EXPECT_TRUE(Has(r.refused[1].reason, "no command after the user")) << r.refused[1].reason;
  EXPECT_EQ(r.refused[2].line, 7);
  EXPECT_TRUE(Has(r.refused[2].reason, "no user and no command")) << r.refused[2].reason;
  EXPECT_EQ(Job("cron-hourly").user, "root");
  EXPECT_EQ(Job("cron-hourly").command.argv.back(), "cd / && run-parts --report /etc/cron.hourly");
  EXPECT_EQ(Job("cron-hourly").schedule_text, std::vector<std::string>{"*-*-* *:17:00"});
  EXPECT_EQ(Job("cron-hourly").environment.at("PATH"),
            "/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin");
  EXPECT_EQ(Job("pg_dumpall").user, "postgres");

  // A user crontab has no such column: the sixth word is the command.
  Import("0 2 * * * root\n");
  EXPECT_EQ(Job("root").user, "");
}

TEST_F(CrontabImportTest, SystemCrontabsAndSpoolFilesAreKnownByTheirPath) {
  EXPECT_TRUE(IsSystemCrontabPath("/etc/crontab"));
  EXPECT_TRUE(IsSystemCrontabPath("/etc/cron.d/certbot"));
  EXPECT_TRUE(IsSystemCrontabPath("/etc//cron.d/./php"));
  EXPECT_FALSE(IsSystemCrontabPath("/etc/cron.d/"));
  EXPECT_FALSE(IsSystemCrontabPath("/etc/cron.daily/logrotate"));
  EXPECT_FALSE(IsSystemCrontabPath("crontab"));
  EXPECT_FALSE(IsSystemCrontabPath("/var/spool/cron/crontabs/root"));
  EXPECT_EQ(SpoolCrontabOwner("/var/spool/cron/crontabs/alice"), "alice");
  EXPECT_EQ(SpoolCrontabOwner("/var/spool/cron/bob"), "bob");
  EXPECT_EQ(SpoolCrontabOwner("/var/spool/cron/crontabs"), std::nullopt);
  EXPECT_EQ(SpoolCrontabOwner("/home/alice/crontab"), std::nullopt);

  Import({CrontabSource{"/var/spool/cron/crontabs/alice", "0 2 * * * /bin/a\n", false, "alice"}});
  EXPECT_EQ(Job("a").user, "alice");
}

TEST_F(CrontabImportTest, CommentsStayWhereTheyWere) {
  const CrontabImport r = Import(
      "# Edit this file with crontab -e\n"
      "\n"
      "# the nightly dump\n"
      "#   (keep it before 3)\n"
      "0 2 * * * pg_dump app\n"
      "# about the variable\n"
      "FOO=bar\n"
      "0 3 * * * /bin/b # trailing words are the command's\n"
      "# at the end\n");
  EXPECT_TRUE(r.refused.empty());
  EXPECT_TRUE(Has(r.job_file,
                  "\n# Edit this file with crontab -e\n\n"
                  "# the nightly dump\n#   (keep it before 3)\n"
                  "# crontab:5: 0 2 * * * pg_dump app\n[jobs.pg_dump]\n"))
      << r.job_file;
  EXPECT_TRUE(Has(r.job_file, "\n# about the variable\n\n# crontab:8: 0 3 * * * /bin/b"))
      << r.job_file;
  EXPECT_TRUE(Has(r.job_file, "\n# at the end\n")) << r.job_file;
  EXPECT_EQ(Job("b").command.argv.back(), "/bin/b # trailing words are the command's");
}

TEST_F(CrontabImportTest, RefusedLinesAreToldWithTheirNumbersAndTheRestIsImported) {
  const CrontabImport r =
      Import({CrontabSource{"/home/a/cron.txt",
                            "0 1 * * * /bin/first\n"
                            "0 2 L * * /bin/last-day\n"
                            "0 2 * * 1#2 /bin/second-monday\n"
                            "0 2 ? * * /bin/quartz\n"
                            "60 * * * * /bin/minute\n"
                            "0 0 2 * * * /bin/sixth\n"
                            "just words\n"
                            "@fortnightly /bin/x\n"
                            "0 3 * * * /bin/middle\n"
                            "0 4 * * * %only input\n",
                            false, ""},
              CrontabSource{"/home/a/other.txt", "oops\n0 5 * * * /bin/last\n", false, ""}});
  std::vector<std::string> told;
  for (const RefusedLine& l : r.refused) told.push_back(l.ToString());
  ASSERT_EQ(told.size(), 9u) << r.job_file;
  EXPECT_TRUE(told[0].starts_with("/home/a/cron.txt:2: cron day-of-month field `L`")) << told[0];
  EXPECT_TRUE(Has(told[0], "`*-*~01`")) << told[0];
  EXPECT_TRUE(told[1].starts_with("/home/a/cron.txt:3: ")) << told[1];
  EXPECT_TRUE(Has(told[1], "`Mon *-*-08..14`")) << told[1];
  EXPECT_TRUE(Has(told[2], "`?` is Quartz syntax")) << told[2];
  EXPECT_TRUE(Has(told[3], ":5: ") && Has(told[3], "out of range")) << told[3];
  // Cron would run the command `* /bin/sixth`.
  EXPECT_TRUE(Has(told[4], ":6: `*` after the five time fields looks like a sixth one")) << told[4];
  EXPECT_TRUE(Has(told[4], "it would run `* /bin/sixth`")) << told[4];
  EXPECT_TRUE(told[5].starts_with("/home/a/cron.txt:7: not a job line")) << told[5];
  EXPECT_TRUE(Has(told[6], ":8: unknown cron nickname `@fortnightly`")) << told[6];
  EXPECT_TRUE(Has(told[7], ":10: no command before cron's `%`")) << told[7];
  EXPECT_EQ(told[8],
            "/home/a/other.txt:1: not a job line: cron's five time fields (minute hour "
            "day-of-month month day-of-week) or an @nickname, then the command");
  EXPECT_EQ(r.jobs, (std::vector<std::string>{"first", "middle", "last"}));
  EXPECT_EQ(JobNames(), (std::vector<std::string>{"first", "last", "middle"}));
  EXPECT_TRUE(Has(r.job_file, "# /home/a/cron.txt:2: not imported: 0 2 L * * /bin/last-day\n"))
      << r.job_file;
}

TEST_F(CrontabImportTest, QuotesBackslashesAndControlCharactersSurviveTheJobFile) {
  const std::string command = "echo \"it's \\\"quoted\\\"\" \\\\n\tcafé \x01 ü '\"'";
  const CrontabImport r = Import(
      "\"MY VAR\" = 'a \"b\" \\c'\n"
      "PGPASSWORD=\"s3cr\\\"et\"\n"
      "0 2 * * * " +
      command + "\n# a comment with \x02 in it\n");
  EXPECT_TRUE(r.refused.empty());
  EXPECT_EQ(Job("echo").command.argv.back(), command);
  EXPECT_EQ(Job("echo").environment.at("MY VAR"), "a \"b\" \\c");
  EXPECT_EQ(Job("echo").environment.at("PGPASSWORD"), "s3cr\\\"et");
  EXPECT_TRUE(Has(r.job_file, "# a comment with \\x02 in it\n"));
}

TEST_F(CrontabImportTest, TextThatIsNotUtf8OrHasDosLineEndsIsRefusedAndCommentsOfItEscaped) {
  const CrontabImport r = Import(
      "0 1 * * * /bin/a \xff\n"
      "0 2 * * * /bin/b\n"
      "# caf\xe9\n"
      "0 3 * * * /bin/c\n" +
      std::string("0 4 * * * /bin/d \0 x\n", 21) + "0 5 * * * /bin/e\r\n");
  ASSERT_EQ(r.refused.size(), 3u) << r.job_file;
  EXPECT_EQ(r.refused[0].line, 1);
  EXPECT_TRUE(Has(r.refused[0].reason, "not UTF-8"));
  EXPECT_EQ(r.refused[1].line, 5);
  EXPECT_TRUE(Has(r.refused[1].reason, "NUL"));
  EXPECT_EQ(r.refused[2].line, 6);
  EXPECT_TRUE(Has(r.refused[2].reason, "carriage return")) << r.refused[2].reason;
  EXPECT_TRUE(Has(r.job_file, "# caf\\xe9\n"));
  EXPECT_TRUE(Has(r.job_file, "not imported: 0 1 * * * /bin/a \\xff\n"));
  EXPECT_EQ(JobNames(), (std::vector<std::string>{"b", "c"}));
}

TEST_F(CrontabImportTest, VariablesGoToTheEnvironmentOfTheJobsBelowThem) {
  const CrontabImport r = Import(
      "0 1 * * * /bin/a\n"
      "FOO=one\n"
      "SHELL=/bin/bash\n"
      "0 2 * * * /bin/b\n"
      "FOO = two  \n"
      "SHELL=/bin/sh\n"
      "0 3 * * * /bin/c\n");
  EXPECT_TRUE(r.refused.empty());
  EXPECT_TRUE(Job("a").environment.empty());
  EXPECT_EQ(Job("b").environment,
            (std::map<std::string, std::string>{{"FOO", "one"}, {"SHELL", "/bin/bash"}}));
  EXPECT_EQ(Job("c").environment,
            (std::map<std::string, std::string>{{"FOO", "two"}, {"SHELL", "/bin/sh"}}));
  // A shell string all the same, and said so.
  EXPECT_TRUE(Job("b").command.shell);
  EXPECT_TRUE(Has(r.job_file,
                  "# cron ran this with SHELL=/bin/bash; surety runs a command string "
                  "with /bin/sh -c\n[jobs.b]"))
      << r.job_file;
  EXPECT_FALSE(Has(r.job_file, "SHELL=/bin/sh;"));
}

TEST_F(CrontabImportTest, TheHeaderSaysWhatDiffersFromCron) {
  const CrontabImport r = Import("0 2 * * * /bin/a\n");
  EXPECT_TRUE(
      r.job_file.starts_with("# A job file made by `surety import crontab` from crontab.\n"))
      << r.job_file;
  EXPECT_TRUE(Has(r.job_file, "persistent = false")) << r.job_file;
  EXPECT_TRUE(Has(r.job_file, "overlap = \"skip\"")) << r.job_file;
  EXPECT_EQ(Job("a").overlap, Overlap::kSkip);
  // An empty crontab is an empty job file, which loads too.
  const CrontabImport empty = Import("");
  EXPECT_TRUE(empty.jobs.empty());
  EXPECT_TRUE(loaded_.jobs.empty());
}

TEST_F(CrontabImportTest, TheLoaderCheckReportsErrorsWithTheirJob) {
  auto errors =
      JobFileTextErrors("[jobs.x]\ncommand = 1\n[jobs.y]\ncommand = \"true\"\n", zones_, *local_);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].job, "x");
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_TRUE(JobFileTextErrors("[jobs.y]\ncommand = \"true\"\n", zones_, *local_).empty());
}

// --- By meaning -------------------------------------------------------------

// An independent reading of cron's numeric fields, for this test: `*`,
// `N`, `N-M`, `*/S`, `N-M/S` and lists of them.
struct Field {
  std::array<bool, 64> has{};
  bool star = false;
};

Field ReadField(const std::string& text, int lo, int hi) {
  Field f;
  f.star = text[0] == '*';
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    int step = 1;
    if (size_t slash = item.find('/'); slash != std::string::npos) {
      step = std::stoi(item.substr(slash + 1));
      item = item.substr(0, slash);
    }
    int a = lo, b = hi;
    if (item != "*") {
      size_t dash = item.find('-');
      a = std::stoi(item.substr(0, dash));
      b = dash == std::string::npos ? a : std::stoi(item.substr(dash + 1));
    }
    for (int v = a; v <= b; v += step) f.has[static_cast<size_t>(v)] = true;
    start = comma + 1;
  }
  if (hi == 7 && f.has[7]) f.has[0] = true;  // Sunday
  return f;
}

// The next `count` times after `after` (UTC seconds) when cron runs
// `fields` in a zone `offset` seconds east of UTC that has no DST.
std::vector<int64_t> CronTimes(const std::string& fields, int64_t offset, int64_t after,
                               size_t count) {
  std::vector<std::string> w;
  for (size_t i = 0; i < fields.size();) {
    size_t j = fields.find(' ', i);
    if (j == std::string::npos) j = fields.size();
    w.push_back(fields.substr(i, j - i));
    i = j + 1;
  }
  const Field minute = ReadField(w[0], 0, 59), hour = ReadField(w[1], 0, 23),
              dom = ReadField(w[2], 1, 31), month = ReadField(w[3], 1, 12),
              dow = ReadField(w[4], 0, 7);
  std::vector<int64_t> out;
  for (int64_t day = (after + offset) / 86400 * 86400; out.size() < count; day += 86400) {
    const WallFields d = UtcWall(day);
    const bool by_dom = dom.has[static_cast<size_t>(d.day)];
    const bool by_dow = dow.has[static_cast<size_t>(d.weekday)];
    if (!month.has[static_cast<size_t>(d.month)]) continue;
    if (!((dom.star || dow.star) ? (by_dom && by_dow) : (by_dom || by_dow))) continue;
    for (int m = 0; m < 24 * 60 && out.size() < count; ++m) {
      if (!hour.has[static_cast<size_t>(m / 60)] || !minute.has[static_cast<size_t>(m % 60)])
        continue;
      const int64_t t = day + m * 60 - offset;
      if (t > after) out.push_back(t);
    }
  }
  return out;
}

TEST_F(CrontabImportTest, ImportedJobsRunWhenCronRunsThem) {
  struct Line {
    const char* job;
    const char* time;    // as written in the crontab
    const char* fields;  // the same in five numeric fields, for the matcher
  };
  const Line lines[] = {
      {"a", "*/20 9-17 * * 1-5", "*/20 9-17 * * 1-5"},
      {"b", "0 0 1,15 * 5", "0 0 1,15 * 5"},  // either day field
      {"c", "30 2 */3 * *", "30 2 */3 * *"},
      {"d", "15 4 * 2 0", "15 4 * 2 0"},
      {"e", "0 12 13 * fri", "0 12 13 * 5"},
      {"f", "5 0 * * sun,7", "5 0 * * 0"},
      {"g", "@weekly", "0 0 * * 0"},
      {"h", "@monthly", "0 0 1 * *"},
      {"i", "@hourly", "0 * * * *"},
  };
  // Tokyo has had no DST since 1951, and UTC never: there cron and the
  // calendar agree at every minute. The loader's local zone is Berlin, so
  // a zone lost on the way would show.
  const struct {
    const char* zone;
    int64_t offset;
  } zones[] = {{"Asia/Tokyo", 9 * 3600}, {"UTC", 0}};
  const int64_t bases[] = {CivilSecondsAsUtc(2025, 11, 22, 0, 0, 0),
                           CivilSecondsAsUtc(2028, 2, 28, 23, 59, 30)};
  MktimeState mktime;
  const CalendarEvalContext ec{local_.get(), &zones_, &mktime};
  for (const auto& z : zones) {
    std::string crontab = std::string("CRON_TZ=") + z.zone + "\n";
    for (const Line& l : lines) crontab += std::string(l.time) + " /bin/" + l.job + "\n";
    const CrontabImport r = Import(crontab);
    ASSERT_TRUE(r.refused.empty());
    for (const Line& l : lines) {
      SCOPED_TRACE(std::string(z.zone) + " " + l.time);
      const JobSpec& job = Job(l.job);
      ASSERT_FALSE(job.schedule.empty());
      for (int64_t base : bases) {
        const std::vector<int64_t> want = CronTimes(l.fields, z.offset, base, 40);
        std::vector<int64_t> got;
        for (int64_t after = base; got.size() < want.size();) {
          std::optional<int64_t> next;
          for (const CalendarSpec& spec : job.schedule) {
            auto t = NextElapse(spec, Instant{Micros{after * 1000000}}, ec);
            ASSERT_TRUE(t.ok() && t->has_value());
            const int64_t s = (*t)->time_since_epoch().count() / 1000000;
            if (!next || s < *next) next = s;
          }
          got.push_back(*next);
          after = *next;
        }
        ASSERT_EQ(got, want) << "first: " << FormatRfc3339(Instant{Micros{got[0] * 1000000}})
                             << " vs " << FormatRfc3339(Instant{Micros{want[0] * 1000000}});
      }
    }
  }
}

}  // namespace
}  // namespace surety
