"""The five step forms, by step number: steps 1-4 are case artefacts, step 5 the judgement."""

from assurance.cases.forms import Step1Form, Step2Form, Step3Form, Step4Form
from assurance.judgement.forms import JudgementForm

STEP_FORMS = {1: Step1Form, 2: Step2Form, 3: Step3Form, 4: Step4Form, 5: JudgementForm}
