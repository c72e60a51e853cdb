require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
break;
