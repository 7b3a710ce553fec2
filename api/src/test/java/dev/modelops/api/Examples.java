package dev.modelops.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The files of examples/, as the example tests read them: the valid ones, the invalid ones and what each invalid one expects. */
final class Examples {
  static final Path FOLDER = Path.of("../examples");
  static final Path INVALID = FOLDER.resolve("invalid");
  private static final Pattern EXPECT = Pattern.compile("^# expect: ([^:]+): (.+)$", Pattern.MULTILINE);
  // YAML 1.1, as kubectl reads it (an unquoted Yes is a boolean).
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** What an invalid example's "# expect: <field>: <message>" line says the API server answers. */
  record Expectation(String field, String message) {}

  private Examples() {}

  /** Every resource file outside examples/invalid/. */
  static List<Path> valid() throws IOException {
    try (Stream<Path> files = Files.walk(FOLDER)) {
      return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .filter(p -> !p.startsWith(INVALID)).sorted().toList();
    }
  }

  /** Every file of examples/invalid/, one mistake each. */
  static List<Path> invalid() throws IOException {
    try (Stream<Path> files = Files.list(INVALID)) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  /** The file's "# expect:" line, or an AssertionError saying it is missing. */
  static Expectation expectation(Path file) throws IOException {
    Matcher m = EXPECT.matcher(Files.readString(file));
    if (!m.find()) {
      throw new AssertionError(file + " needs a '# expect: <field>: <message>' line");
    }
    return new Expectation(m.group(1).trim(), m.group(2).trim());
  }

  /** The YAML documents of a file. */
  static List<JsonNode> documents(Path file) throws IOException {
    try (var parser = YAML.getFactory().createParser(file.toFile())) {
      return YAML.readValues(parser, JsonNode.class).readAll().stream().filter(d -> d != null && !d.isEmpty()).toList();
    }
  }

  /** The one YAML document of a file. */
  static JsonNode document(Path file) throws IOException {
    List<JsonNode> docs = documents(file);
    if (docs.size() != 1) {
      throw new AssertionError(file + " holds " + docs.size() + " documents, not one");
    }
    return docs.get(0);
  }
}
