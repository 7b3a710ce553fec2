package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.generator.annotation.Default;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Map;

/**
 * The schemas' defaults, applied to an object that did not pass through the API server (a spec
 * file the trainer reads on a laptop, a test's fixture). The values are read from the same
 * {@link Default} annotations the CRDs are generated from, so a default has one home: the
 * annotation on its field. The operator never needs this: the API server has defaulted
 * everything it reads.
 */
public final class SchemaDefaults {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SchemaDefaults() {}

  /** Sets every unset field that has a schema default, in {@code object} and the objects it holds; returns it. */
  public static <T> T apply(T object) {
    fill(object);
    return object;
  }

  private static void fill(Object o) {
    if (o == null || o instanceof Enum<?> || !o.getClass().getPackageName().equals(SchemaDefaults.class.getPackageName())) {
      return;
    }
    for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers())) {
          fill(o, f);
        }
      }
    }
  }

  private static void fill(Object o, Field f) {
    try {
      f.setAccessible(true);
      Object value = f.get(o);
      Default d = f.getAnnotation(Default.class);
      if (value == null && d != null) {
        value = parse(d.value(), JSON.constructType(f.getGenericType()));
        f.set(o, value);
      }
      if (value instanceof Collection<?> items) {
        items.forEach(SchemaDefaults::fill);
      } else if (value instanceof Map<?, ?> entries) {
        entries.values().forEach(SchemaDefaults::fill);
      } else {
        fill(value);
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot default " + f, e);
    }
  }

  /** A default as the CRD generator reads it: text for strings and enums, JSON for everything else. */
  private static Object parse(String text, JavaType type) {
    if (type.getRawClass() == String.class || type.isEnumType()) {
      return JSON.convertValue(text, type);
    }
    try {
      return JSON.readValue(text, type);
    } catch (IOException e) {
      throw new IllegalStateException("the default '" + text + "' is not a " + type, e);
    }
  }
}
