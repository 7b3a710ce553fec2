package dev.modelops.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.SchemaDefaults;
import dev.modelops.bundle.TrialResult;
import dev.modelops.operator.experiment.SearchSpace;
import dev.modelops.operator.experiment.TreeParzen;
import dev.modelops.operator.experiment.TrialPlanner;
import dev.modelops.trainer.TrainerMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TPE against random search on the churn example, with real trials of the trainer (in-process,
 * one after another): for each search seed, the best ROC AUC random search reaches in its budget,
 * and how many trials each strategy needs to reach it. Both strategies share the random start-up
 * trials (TPE's first trials are the random plan's), and a parameter set is trained once. Not a
 * test: its name keeps it out of `verify`; run it with `bash bench/search/run.sh`.
 */
class SearchBenchmark {
  @Test
  void tpeAgainstRandomOnChurn() throws Exception {
    int seeds = Integer.getInteger("bench.seeds", 5);
    int budget = Integer.getInteger("bench.trials", 20);
    Experiment exp = new ObjectMapper(new YAMLFactory()).readValue(Path.of("../examples/churn/experiment.yaml").toFile(), Experiment.class);
    SchemaDefaults.apply(exp.getSpec());
    List<TrialPlanner.Dimension> space = SearchSpace.dimensions(exp.getSpec());
    Path work = Files.createTempDirectory("search-bench");
    Map<Map<String, String>, Double> trained = new HashMap<>();
    List<Integer> randomNeeds = new ArrayList<>();
    List<Integer> tpeNeeds = new ArrayList<>();
    System.out.printf("BENCH churn example, %d searched parameters, budget %d trials, %d search seeds; objective roc_auc on the example's validation split%n",
        space.size(), budget, seeds);
    System.out.println("BENCH seed | random best (trial) | TPE best | TPE trials to reach random's best");
    for (long seed = 1; seed <= seeds; seed++) {
      List<Map<String, String>> random = TrialPlanner.plan(space, TrialPlanner.Strategy.RANDOM, budget, seed);
      double randomBest = Double.NEGATIVE_INFINITY;
      int randomAt = 0;
      for (int i = 0; i < budget; i++) {
        double auc = objective(random.get(i), trained, work);
        if (auc > randomBest) {
          randomBest = auc;
          randomAt = i + 1;
        }
      }
      List<TreeParzen.Observation> history = new ArrayList<>();
      double tpeBest = Double.NEGATIVE_INFINITY;
      int tpeAt = -1;
      for (int i = 0; i < budget; i++) {
        Map<String, String> p = i < TreeParzen.startupTrials(space.size()) ? random.get(i) : TreeParzen.propose(space, seed, i, history, false);
        double auc = objective(p, trained, work);
        history.add(new TreeParzen.Observation(p, auc));
        tpeBest = Math.max(tpeBest, auc);
        if (tpeAt < 0 && auc >= randomBest) {
          tpeAt = i + 1;
        }
      }
      randomNeeds.add(randomAt);
      tpeNeeds.add(tpeAt < 0 ? budget + 1 : tpeAt);
      System.out.printf("BENCH %d | %.4f (%d) | %.4f | %s%n", seed, randomBest, randomAt, tpeBest, tpeAt < 0 ? "not within " + budget : Integer.toString(tpeAt));
    }
    System.out.printf("BENCH median trials to reach random search's best: random %s, TPE %s (%d trials trained)%n",
        median(randomNeeds), median(tpeNeeds), trained.size());
  }

  static double median(List<Integer> xs) {
    List<Integer> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
  }

  static double objective(Map<String, String> params, Map<Map<String, String>, Double> trained, Path work) {
    return trained.computeIfAbsent(params, p -> {
      List<String> args = new ArrayList<>(List.of("--experiment", "../examples/churn/experiment.yaml"));
      p.forEach((k, v) -> {
        args.add("--param");
        args.add(k + "=" + v);
      });
      args.add("--output");
      args.add(work.resolve("t" + trained.size()).toString());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int code = TrainerMain.run(args.toArray(String[]::new), new PrintStream(out), new PrintStream(new ByteArrayOutputStream()),
          Path.of("../examples").toAbsolutePath().normalize(), Map.of());
      TrialResult r = TrialResult.parse(TrialResult.lastLine(out.toString(StandardCharsets.UTF_8))).orElseThrow();
      if (code != 0 || !r.ok()) {
        throw new IllegalStateException("trial " + p + " failed: " + r.message());
      }
      return r.objective();
    });
  }
}
