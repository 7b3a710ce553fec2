import dev.modelops.bundle.Feature;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.Scorer;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * Single-record scoring cost of a bundle, as the model server pays it: one JSON-like record in,
 * one probability out, per call. Also times xgboost4j's own predict on one row, the native path
 * the bundle reader does not take. Run from the repository root:
 *
 * <pre>java -cp trainer-job/target/trainer-job.jar bench/trainer/ScorerBench.java BUNDLE CSV [SECONDS]</pre>
 */
public class ScorerBench {
  public static void main(String[] args) throws Exception {
    ModelBundle bundle = ModelBundle.read(Path.of(args[0]));
    double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 5;
    List<Map<String, Object>> records = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(Path.of(args[1]))) {
      for (CSVRecord rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
        Map<String, Object> m = new HashMap<>();
        for (Feature f : bundle.features()) {
          m.put(f.name(), Scorer.fromCell(f, rec.get(f.name()).trim()));
        }
        records.add(m);
      }
    }
    System.out.printf("bundle: %s, %s with %d trees, %d encoded columns; %d records%n",
        bundle.manifest().model(), bundle.model().booster(), bundle.model().treeCount(), bundle.pipeline().width(), records.size());

    for (int threads : new int[] {1, 2}) {
      run(bundle, records, threads, seconds / 2); // warm-up
      double perSecond = run(bundle, records, threads, seconds);
      System.out.printf("Java scorer, %d thread(s): %,.0f records/s (%.2f us per record per thread)%n",
          threads, perSecond, threads * 1e6 / perSecond);
    }

    // The native path, for comparison: one DMatrix and one predict call per record.
    Booster booster = XGBoost.loadModel(Files.readAllBytes(Path.of(args[0], bundle.manifest().files().model())));
    booster.setParam("nthread", 1);
    Scorer scorer = bundle.newScorer();
    int width = bundle.pipeline().width();
    long n = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    float[] row = new float[width];
    while (System.nanoTime() < end) {
      java.util.Arrays.fill(row, Float.NaN);
      Object[] values = scorer.values(records.get((int) (n % records.size())));
      dev.modelops.bundle.EncodedRow encoded = new dev.modelops.bundle.EncodedRow();
      bundle.pipeline().encode(values, encoded);
      for (int i = 0; i < encoded.size(); i++) {
        row[encoded.column(i)] = encoded.value(i);
      }
      DMatrix m = new DMatrix(row, 1, width, Float.NaN);
      booster.predict(m);
      m.dispose();
      n++;
    }
    System.out.printf("xgboost4j predict, 1 thread, one record per call: %,.0f records/s (%.1f us per record)%n",
        n / ((System.nanoTime() - start) / 1e9), (System.nanoTime() - start) / 1e3 / n);
    booster.dispose();
  }

  static double run(ModelBundle bundle, List<Map<String, Object>> records, int threads, double seconds) throws Exception {
    AtomicLong total = new AtomicLong();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    List<Thread> workers = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      int offset = t * 997;
      Thread w = new Thread(() -> {
        Scorer scorer = bundle.newScorer(); // one per thread
        long n = 0;
        double sink = 0;
        while ((n & 1023) != 0 || System.nanoTime() < end) {
          sink += scorer.score(records.get((int) ((n + offset) % records.size())));
          n++;
        }
        total.addAndGet(n);
        if (sink < 0) {
          System.out.println(sink);
        }
      });
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    return total.get() / ((System.nanoTime() - start) / 1e9);
  }
}
